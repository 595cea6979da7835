"""The admin's webhook pages show endpoints and each attempt (status, latency, error)."""

import re

from switchboard.extensions import db
from switchboard.jobs import worker
from switchboard.models import WebhookDelivery
from tests.admin.conftest import create_admin, log_in


def login(client):
    create_admin()
    assert log_in(client).status_code == 302


def test_endpoint_pages_list_endpoints_and_recent_attempts(client, api, receiver, emit):
    hooks = receiver()
    response = api.post("/webhook_endpoints", json={"url": hooks.url("/fail"), "events": ["*"]})
    endpoint = response.get_json()["data"]
    emit("room.created")
    worker.run_due_jobs("w", limit=2)  # fan-out and one failed attempt

    assert client.get("/admin/webhooks").status_code == 302  # login first
    login(client)
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert hooks.url("/fail") in listing and endpoint["id"] in listing and "acme" in listing
    assert 'href="/admin/webhooks"' in listing  # nav link

    detail = client.get(f"/admin/webhooks/{endpoint['id']}").get_data(as_text=True)
    assert "room.created" in detail and "500" in detail and "The endpoint answered HTTP 500." in detail
    assert re.search(r"\d+ ms", detail)
    assert endpoint["secret"] not in detail

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', detail).group(1)
    delivery_id = db.session.scalar(db.select(WebhookDelivery.id))
    retried = client.post(f"/admin/webhook_deliveries/{delivery_id}/retry", data={"csrf_token": token})
    assert retried.status_code == 302
    assert client.get("/admin/webhooks/we_missing").status_code == 404

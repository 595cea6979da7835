"""The webhook endpoints API: /api/v1/webhook_endpoints and /api/v1/webhook_deliveries."""

import base64
from datetime import timedelta

import pytest

from switchboard.extensions import db
from switchboard.models import Job, Project
from switchboard.models.base import utcnow
from switchboard.plumbing import events
from switchboard.services import webhooks

URL = "https://hooks.example.com/switchboard"


def create(api, url=URL, events=("*",)):
    response = api.post("/webhook_endpoints", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def error(response, status):
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def test_create_returns_the_endpoint_with_a_whsec_secret(api):
    endpoint = create(api, events=["room.created", "room.closed"])
    assert endpoint["id"].startswith("we_")
    assert endpoint["url"] == URL
    assert endpoint["events"] == ["room.created", "room.closed"]
    assert endpoint["status"] == "enabled" and endpoint["disabled_reason"] is None
    assert endpoint["secret"].startswith("whsec_")
    assert len(base64.b64decode(endpoint["secret"].removeprefix("whsec_"))) == 32


def test_the_secret_is_shown_only_on_create(api):
    endpoint = create(api)
    fetched = api.get(f"/webhook_endpoints/{endpoint['id']}").get_json()["data"]
    assert "secret" not in fetched
    listed = api.get("/webhook_endpoints").get_json()["data"]
    assert all("secret" not in item for item in listed)
    assert fetched["id"] == endpoint["id"]


def test_list_is_paginated_newest_first(api):
    ids = [create(api, url=f"{URL}/{n}")["id"] for n in range(3)]
    first = api.get("/webhook_endpoints?limit=2").get_json()
    assert [item["id"] for item in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    second = api.get(f"/webhook_endpoints?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["id"] for item in second["data"]] == [ids[0]]
    assert second["has_more"] is False and second["next_cursor"] is None


def test_another_projects_endpoint_is_not_found(api, other_api):
    endpoint = create(api)
    assert error(other_api.get(f"/webhook_endpoints/{endpoint['id']}"), 404)["code"] == "not_found"
    assert other_api.get("/webhook_endpoints").get_json()["data"] == []
    error(other_api.delete(f"/webhook_endpoints/{endpoint['id']}"), 404)
    error(other_api.post(f"/webhook_endpoints/{endpoint['id']}/rotate_secret"), 404)


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://hooks.example.com/x", "invalid_url"),
        ("hooks.example.com/x", "invalid_url"),
        ("https://user:pass@hooks.example.com/x", "invalid_url"),
        ("https://token@hooks.example.com/x", "invalid_url"),
        ("https:///nohost", "invalid_url"),
        ("https://hooks.example.com:99999/x", "invalid_url"),
        ("https://hooks.example.com/a b", "invalid_url"),
        ("http://169.254.169.254/latest/meta-data/", "url_not_allowed"),
        ("http://169.254.1.1/", "url_not_allowed"),
        ("http://[fe80::1]/", "url_not_allowed"),
        ("http://[fd00:ec2::254]/", "url_not_allowed"),
        ("http://[::ffff:169.254.169.254]/", "url_not_allowed"),
        ("http://100.100.100.200/", "url_not_allowed"),
        ("http://0.0.0.0:8000/", "url_not_allowed"),
    ],
)
def test_unsafe_or_malformed_urls_are_refused(api, url, code):
    err = error(api.post("/webhook_endpoints", json={"url": url, "events": ["*"]}), 422)
    assert err["type"] == "validation_error"
    assert err["param"] == "url" and err["code"] == code
    assert api.get("/webhook_endpoints").get_json()["data"] == []


def test_link_local_is_allowed_when_configured(app, api):
    app.config["WEBHOOK_ALLOW_LINK_LOCAL"] = True
    assert create(api, url="http://169.254.10.10/hook")["url"] == "http://169.254.10.10/hook"


def test_private_networks_are_allowed_by_default_and_refused_when_configured(app, api):
    assert create(api, url="http://127.0.0.1:9000/hook")
    app.config["WEBHOOK_BLOCK_PRIVATE_NETWORKS"] = True
    for url in ("http://10.1.2.3/hook", "http://localhost:9000/hook", "http://[::1]/hook"):
        err = error(api.post("/webhook_endpoints", json={"url": url, "events": ["*"]}), 422)
        assert err["code"] == "url_not_allowed", url


@pytest.mark.parametrize(
    "body, param, code",
    [
        ({"url": URL, "events": ["room.exploded"]}, "events.0", "invalid_field"),
        ({"url": URL, "events": ["*", "room.created"]}, "events", "invalid_field"),
        ({"url": URL, "events": ["room.created", "room.created"]}, "events", "invalid_field"),
        ({"url": URL, "events": []}, "events", "invalid_field"),
        ({"url": URL, "events": "*"}, "events", "invalid_field"),
        ({"url": URL}, "events", "missing_field"),
        ({"events": ["*"]}, "url", "missing_field"),
        ({"url": URL, "events": ["*"], "secret": "whsec_mine"}, "secret", "unknown_field"),
        ({"url": 42, "events": ["*"]}, "url", "invalid_field"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(api, body, param, code):
    err = error(api.post("/webhook_endpoints", json=body), 422)
    assert (err["param"], err["code"]) == (param, code)


def test_patch_changes_only_what_is_sent(api):
    endpoint = create(api)
    response = api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"events": ["message.created"]})
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["events"] == ["message.created"] and data["url"] == URL
    assert "secret" not in data


def test_patch_disables_and_enables(api):
    endpoint = create(api)
    disabled = api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"}).get_json()[
        "data"
    ]
    assert disabled["status"] == "disabled" and disabled["disabled_reason"] == "Disabled through the API."
    enabled = api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "enabled"}).get_json()["data"]
    assert enabled["status"] == "enabled" and enabled["disabled_reason"] is None


def test_patch_validates_like_create(api):
    endpoint = create(api)
    path = f"/webhook_endpoints/{endpoint['id']}"
    assert error(api.patch(path, json={"url": "http://169.254.169.254/"}), 422)["code"] == "url_not_allowed"
    assert error(api.patch(path, json={"status": "paused"}), 422)["param"] == "status"
    assert error(api.patch(path, json={"secret": "x"}), 422)["code"] == "unknown_field"
    assert api.get(path).get_json()["data"]["url"] == URL


def test_delete_removes_the_endpoint(api):
    endpoint = create(api)
    response = api.delete(f"/webhook_endpoints/{endpoint['id']}")
    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == endpoint["id"]
    error(api.get(f"/webhook_endpoints/{endpoint['id']}"), 404)


def test_rotate_returns_a_new_secret_and_keeps_the_old_one_for_24_hours(api):
    endpoint = create(api)
    response = api.post(f"/webhook_endpoints/{endpoint['id']}/rotate_secret")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["secret"].startswith("whsec_") and data["secret"] != endpoint["secret"]
    expires = data["previous_secret_expires_at"]
    expected = (utcnow() + timedelta(hours=24)).replace(microsecond=0).isoformat() + "Z"
    assert expires[:15] == expected[:15]  # to the ten minutes


def test_rotate_with_a_zero_grace_period_retires_the_old_secret_at_once(api):
    endpoint = create(api)
    data = api.post(
        f"/webhook_endpoints/{endpoint['id']}/rotate_secret", json={"grace_period_seconds": 0}
    ).get_json()["data"]
    assert data["previous_secret_expires_at"] is None


def test_rotate_validates_its_optional_body(api):
    endpoint = create(api)
    path = f"/webhook_endpoints/{endpoint['id']}/rotate_secret"
    assert error(api.post(path, json={"grace_period_seconds": -1}), 422)["param"] == "grace_period_seconds"
    assert (
        error(api.post(path, json={"grace_period_seconds": 8 * 86400}), 422)["param"]
        == "grace_period_seconds"
    )
    assert error(api.post(path, json={"expires": 1}), 422)["code"] == "unknown_field"


def _emit(type: str, project: str = "acme") -> str:
    project_id = db.session.scalar(db.select(Project.id).where(Project.name == project))
    event = events.emit(project_id, type, {"room_id": "rm_x"})
    webhooks.fan_out(event.id)
    db.session.commit()
    return event.id


def test_deliveries_are_listed_per_endpoint_for_subscribed_events_only(api):
    everything = create(api)
    closed = create(api, url=URL + "/closed", events=["room.closed"])
    created_id = _emit("room.created")
    closed_id = _emit("room.closed")
    listed = api.get(f"/webhook_endpoints/{everything['id']}/deliveries").get_json()
    assert [d["event_id"] for d in listed["data"]] == [closed_id, created_id]
    delivery = listed["data"][0]
    assert delivery["id"].startswith("whd_") and delivery["status"] == "pending"
    assert delivery["attempts"] == [] and delivery["attempt_count"] == 0
    only = api.get(f"/webhook_endpoints/{closed['id']}/deliveries").get_json()["data"]
    assert [d["event_type"] for d in only] == ["room.closed"]
    assert api.get(f"/webhook_deliveries/{delivery['id']}").get_json()["data"]["id"] == delivery["id"]


def test_deliveries_filter_and_validate_status(api):
    endpoint = create(api)
    _emit("room.created")
    path = f"/webhook_endpoints/{endpoint['id']}/deliveries"
    assert len(api.get(path + "?status=pending").get_json()["data"]) == 1
    assert api.get(path + "?status=failed").get_json()["data"] == []
    assert error(api.get(path + "?status=lost"), 400)["param"] == "status"


def test_fan_out_skips_disabled_endpoints_and_is_idempotent(api):
    endpoint = create(api)
    api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"})
    _emit("room.created")
    assert api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"] == []
    api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "enabled"})
    event_id = _emit("room.closed")
    webhooks.fan_out(event_id)  # a second run (a worker that died before finishing the job)
    db.session.commit()
    assert len(api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"]) == 1


def test_retry_queues_an_attempt_now(api):
    endpoint = create(api)
    _emit("room.created")
    delivery = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"][0]
    response = api.post(f"/webhook_deliveries/{delivery['id']}/retry")
    assert response.status_code == 202
    assert response.get_json()["data"]["status"] == "pending"
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "webhooks.deliver")).all()
    assert {"delivery_id": delivery["id"], "manual": True} in [job.payload for job in jobs]


def test_retry_on_a_disabled_endpoint_is_a_conflict(api):
    endpoint = create(api)
    _emit("room.created")
    delivery = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"][0]
    api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"})
    assert error(api.post(f"/webhook_deliveries/{delivery['id']}/retry"), 409)["code"] == "endpoint_disabled"


def test_another_projects_delivery_is_not_found(api, other_api):
    endpoint = create(api)
    _emit("room.created")
    delivery = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"][0]
    error(other_api.get(f"/webhook_deliveries/{delivery['id']}"), 404)
    error(other_api.post(f"/webhook_deliveries/{delivery['id']}/retry"), 404)
    error(other_api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries"), 404)


def test_creating_a_room_emits_an_event_that_fans_out(api):
    endpoint = create(api, events=["room.created"])
    room = api.create_room()
    fan_out = db.session.scalar(db.select(Job).where(Job.kind == "webhooks.fan_out"))
    webhooks.fan_out(fan_out.payload["event_id"])
    db.session.commit()
    (delivery,) = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"]
    assert delivery["event_type"] == "room.created"
    assert db.session.get(events.Event, delivery["event_id"]).data["room_id"] == room["id"]


def _schema(spec: dict, name: str) -> dict:
    import json

    schema = dict(spec["components"]["schemas"][name])
    schema["$defs"] = spec["components"]["schemas"]
    return json.loads(json.dumps(schema).replace("#/components/schemas/", "#/$defs/"))


def test_webhook_responses_validate_against_the_spec(api, client):
    jsonschema = pytest.importorskip("jsonschema")
    spec = client.get("/api/v1/openapi.json").get_json()
    endpoint = create(api)
    jsonschema.validate(endpoint, _schema(spec, "WebhookEndpointWithSecret"))
    fetched = api.get(f"/webhook_endpoints/{endpoint['id']}").get_json()["data"]
    jsonschema.validate(fetched, _schema(spec, "WebhookEndpointOut"))
    _emit("room.created")
    delivery = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"][0]
    jsonschema.validate(delivery, _schema(spec, "WebhookDeliveryOut"))
    assert "/webhook_endpoints/{endpoint_id}/rotate_secret" in spec["paths"]

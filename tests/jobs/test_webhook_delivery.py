"""Delivery rules, with the worker run in-process against a real receiver process:
410, Retry-After, retries running out, endpoints failing for days, timeouts, SSRF."""

from datetime import timedelta

import pytest

from switchboard.extensions import db
from switchboard.jobs import worker
from switchboard.models import Job, WebhookDelivery, WebhookEndpoint
from switchboard.models.base import utcnow
from switchboard.services.webhooks import delivery as webhook_delivery
from switchboard.webhooks import verify


@pytest.fixture
def app_config():
    return {
        "WEBHOOK_BACKOFF_BASE_SECONDS": 0.0,
        "WEBHOOK_BACKOFF_MAX_SECONDS": 0.0,
        "WEBHOOK_MAX_ATTEMPTS": 3,
        "WEBHOOK_TIMEOUT_SECONDS": 0.5,
    }


def create(api, url, events=("*",)):
    response = api.post("/webhook_endpoints", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalar(db.select(WebhookDelivery))


def endpoint_row(endpoint_id: str) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.get(WebhookEndpoint, endpoint_id)


def test_a_2xx_answer_is_success_and_the_attempt_is_recorded(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/ok"))
    event_id = emit("room.created")
    worker.run_due_jobs("w")
    (record,) = hooks.requests()
    assert (
        verify(record["raw"], record["headers"]["switchboard-signature"], endpoint["secret"])["id"]
        == event_id
    )
    assert record["headers"]["content-type"] == "application/json"
    found = delivery()
    assert found.status == "succeeded" and found.attempt_count == 1
    (attempt,) = found.attempts
    assert attempt.status_code == 200 and attempt.latency_ms >= 0 and attempt.error is None


def test_410_gone_disables_the_endpoint_and_says_why(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/gone"))
    emit("room.created")
    worker.run_due_jobs("w")
    assert len(hooks.requests()) == 1  # no retries after 410
    found = delivery()
    assert found.status == "failed" and found.last_status_code == 410
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").get_json()["data"]
    assert shown["status"] == "disabled" and "410" in shown["disabled_reason"]
    emit("room.closed")
    worker.run_due_jobs("w")
    assert len(hooks.requests()) == 1  # a disabled endpoint gets nothing new


def test_failures_are_retried_until_attempts_run_out(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/fail"))
    emit("room.created")
    worker.run_due_jobs("w")
    assert len(hooks.requests()) == 3  # WEBHOOK_MAX_ATTEMPTS
    found = delivery()
    assert found.status == "failed" and found.attempt_count == 3
    assert [a.status_code for a in found.attempts] == [500, 500, 500]
    assert found.attempts[0].error == "The endpoint answered HTTP 500."
    listed = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries").get_json()["data"][0]
    assert [a["status_code"] for a in listed["attempts"]] == [500, 500, 500]
    assert endpoint_row(endpoint["id"]).status == "enabled"  # one bad delivery does not disable


def test_retry_after_is_honoured(app, api, receiver, emit):
    app.config["WEBHOOK_BACKOFF_MAX_SECONDS"] = 3600.0
    hooks = receiver()
    create(api, hooks.url("/retry-after"))
    emit("room.created")
    worker.run_due_jobs("w")
    assert len(hooks.requests()) == 1
    found = delivery()
    assert found.status == "pending"
    wait = (found.next_attempt_at - utcnow()).total_seconds()
    assert 110 <= wait <= 120  # the receiver said Retry-After: 120
    job = db.session.scalar(db.select(Job).where(Job.kind == "webhooks.deliver"))
    assert job.status == "queued" and abs((job.run_at - found.next_attempt_at).total_seconds()) < 2


def test_retry_after_as_an_http_date_is_understood():
    from datetime import UTC, datetime
    from email.utils import format_datetime

    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 85 <= webhook_delivery._retry_after_seconds(later) <= 91
    assert webhook_delivery._retry_after_seconds("30") == 30
    assert webhook_delivery._retry_after_seconds("soon") is None


def test_an_endpoint_failing_for_days_is_disabled_with_a_reason(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/fail"))
    row = endpoint_row(endpoint["id"])
    row.failing_since = utcnow() - timedelta(days=3, minutes=1)
    db.session.commit()
    emit("room.created")
    worker.run_due_jobs("w")
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").get_json()["data"]
    assert shown["status"] == "disabled"
    assert shown["disabled_reason"].startswith("Every delivery attempt failed since")
    assert delivery().status == "failed"


def test_a_success_ends_the_failure_streak(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/ok"))
    row = endpoint_row(endpoint["id"])
    row.failing_since = utcnow() - timedelta(days=2)
    db.session.commit()
    emit("room.created")
    worker.run_due_jobs("w")
    assert endpoint_row(endpoint["id"]).failing_since is None


def test_a_slow_receiver_times_out(api, receiver, emit):
    hooks = receiver()
    create(api, hooks.url("/slow?s=2"))
    emit("room.created")
    worker.run_due_jobs("w", limit=2)  # fan-out, then one attempt
    attempt = delivery().attempts[0]
    assert attempt.status_code is None and attempt.error == "No answer within 0.5 s."


def test_a_manual_retry_of_a_failed_delivery_can_succeed(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/fail"))
    emit("room.created")
    worker.run_due_jobs("w")
    assert delivery().status == "failed"
    api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"url": hooks.url("/ok")})
    response = api.post(f"/webhook_deliveries/{delivery().id}/retry")
    assert response.status_code == 202
    worker.run_due_jobs("w")
    found = delivery()
    assert found.status == "succeeded" and found.attempts[-1].manual is True
    assert [a.succeeded for a in found.attempts] == [False, False, False, True]


def test_a_metadata_address_is_refused_at_delivery_time_without_connecting(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/ok"))
    # As if the address had changed after it was checked.
    row = endpoint_row(endpoint["id"])
    row.url = "http://169.254.169.254/latest/meta-data/"
    db.session.commit()
    emit("room.created")
    worker.run_due_jobs("w")
    found = delivery()
    assert found.attempts[0].error.startswith("Refused to connect: 169.254.169.254")
    assert found.attempts[0].latency_ms < 400  # refused before any connection attempt
    assert hooks.requests() == []


def test_deliveries_of_a_deleted_endpoint_are_dropped(api, receiver, emit):
    hooks = receiver()
    endpoint = create(api, hooks.url("/ok"))
    emit("room.created")
    worker.run_due_jobs("w", limit=1)  # fan-out only
    assert api.delete(f"/webhook_endpoints/{endpoint['id']}").status_code == 200
    worker.run_due_jobs("w")
    assert hooks.requests() == [] and delivery() is None

"""Webhooks end to end: the real worker process delivers to a real receiver process.

Each test creates endpoints through the API, emits events as the product does (in the same
transaction as their cause), starts `flask --app app worker` as a subprocess on the test's
database, and checks what the receiver got with `switchboard.webhooks.verify`.
"""

import signal
import time

import pytest

from switchboard.extensions import db
from switchboard.models import EVENT_TYPES, Job, WebhookDelivery
from switchboard.webhooks import WebhookVerificationError, verify, verify_standard
from tests.support.webhook_receiver import wait_for

pytestmark = pytest.mark.slow


def create_endpoint(api, url, events=("*",)):
    response = api.post("/webhook_endpoints", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def verified(record, secret):
    """The event, checked under both signature schemes."""
    event = verify(record["raw"], record["headers"]["switchboard-signature"], secret)
    assert verify_standard(record["raw"], record["headers"], secret) == event
    assert record["headers"]["webhook-id"] == event["id"]
    return event


def deliveries(api, endpoint_id):
    response = api.get(f"/webhook_endpoints/{endpoint_id}/deliveries?limit=100")
    assert response.status_code == 200
    return response.get_json()["data"]


def test_every_event_type_arrives_signed_and_verifies(api, receiver, emit, workers):
    hooks = receiver()
    everything = create_endpoint(api, hooks.url("/ok"))
    closed_only = create_endpoint(api, hooks.url("/ok?only=closed"), events=["room.closed"])
    sent = {emit(kind, {"room_id": "rm_e2e", "kind": kind}): kind for kind in EVENT_TYPES}
    workers.start()

    wait_for(lambda: len(hooks.requests()) >= len(EVENT_TYPES) + 1, message="every event")
    time.sleep(0.3)  # nothing more should arrive
    records = hooks.requests()
    assert len(records) == len(EVENT_TYPES) + 1
    to_all = [verified(r, everything["secret"]) for r in records if r["query"] == ""]
    to_closed = [verified(r, closed_only["secret"]) for r in records if r["query"] == "only=closed"]
    assert {event["id"]: event["type"] for event in to_all} == sent
    assert [event["type"] for event in to_closed] == ["room.closed"]
    for event in to_all:
        assert set(event) == {"id", "type", "created_at", "data"}
        assert event["data"] == {"room_id": "rm_e2e", "kind": event["type"]}
        assert event["created_at"].endswith("Z")
    with pytest.raises(WebhookVerificationError):
        verify(records[0]["raw"], records[0]["headers"]["switchboard-signature"], "whsec_not-the-secret")

    listed = deliveries(api, everything["id"])
    assert len(listed) == len(EVENT_TYPES)
    for delivery in listed:
        assert delivery["status"] == "succeeded"
        (attempt,) = delivery["attempts"]
        assert attempt["status_code"] == 200 and attempt["succeeded"] and attempt["error"] is None
        assert attempt["latency_ms"] >= 0
    assert [d["event_type"] for d in deliveries(api, closed_only["id"])] == ["room.closed"]


def test_a_receiver_that_was_down_gets_every_event_once_it_is_back(api, receiver, emit, workers):
    hooks = receiver()
    endpoint = create_endpoint(api, hooks.url("/ok"))
    hooks.stop()  # the port is known; nothing listens on it now
    sent = {emit("participant.joined", {"identity": f"p{n}"}) for n in range(5)}
    workers.start()

    def failed_twice():
        listed = deliveries(api, endpoint["id"])
        return len(listed) == 5 and all(d["attempt_count"] >= 2 for d in listed)

    wait_for(failed_twice, message="failed attempts while the receiver is down")
    some = deliveries(api, endpoint["id"])[0]
    assert some["status"] == "pending" and some["next_attempt_at"]
    assert all(a["status_code"] is None and "connect" in a["error"].lower() for a in some["attempts"])

    hooks.start()  # back on the same port
    wait_for(lambda: set(hooks.event_ids()) == sent, message="every event after the receiver is back")
    for record in hooks.requests():
        verified(record, endpoint["secret"])
    wait_for(
        lambda: all(d["status"] == "succeeded" for d in deliveries(api, endpoint["id"])), message="succeeded"
    )
    assert sorted(hooks.event_ids()) == sorted(sent)  # once each after recovery


def test_a_worker_killed_mid_delivery_loses_nothing(api, receiver, emit, workers):
    hooks = receiver()
    endpoint = create_endpoint(api, hooks.url("/slow-first?s=30"), events=["recording.completed"])
    others = create_endpoint(api, hooks.url("/ok"), events=["room.closed", "participant.joined"])
    event_id = emit("recording.completed", {"recording_id": "rec_1"})
    first = workers.start(WORKER_LEASE_SECONDS=2)
    wait_for(lambda: hooks.event_ids() == [event_id], message="the first attempt to reach the receiver")

    first.send_signal(signal.SIGKILL)  # mid-delivery: the receiver is still holding the request
    first.wait(5)
    job = db.session.scalar(db.select(Job).where(Job.kind == "webhooks.deliver"))
    assert job.status == "running"  # leased by a dead worker

    while_dead = emit("room.closed", {"room_id": "rm_1"})  # work that arrives with no worker alive

    workers.start(WORKER_LEASE_SECONDS=2)
    wait_for(
        lambda: hooks.event_ids().count(event_id) == 2,
        message="the job to be leased again after its lease expired",
    )
    wait_for(lambda: while_dead in hooks.event_ids(), message="the event queued while no worker ran")
    for record in hooks.requests():
        verified(record, endpoint["secret"] if record["query"] else others["secret"])
    # The killed attempt and the retry carry the same event id (webhook-id), so a receiver
    # that keeps the ids it processed sees the event exactly once.
    assert [r["headers"]["webhook-id"] for r in hooks.requests()].count(event_id) == 2

    def settled():
        db.session.expire_all()
        delivery = db.session.scalar(db.select(WebhookDelivery).filter_by(endpoint_id=endpoint["id"]))
        return delivery if delivery.status == "succeeded" else None

    delivery = wait_for(settled, message="the delivery to succeed")
    assert delivery.attempt_count == 1  # the killed attempt never got to record itself

    # The attempt is committed before the worker marks its job done (no transaction stays
    # open across the HTTP call), so the job settles a moment after the delivery.
    def job_settled():
        db.session.expire_all()
        current = db.session.get(Job, job_id)
        return current if current.status != "running" else None

    job_id = job.id
    job = wait_for(job_settled, message="the job to settle")
    assert job.status == "done" and job.attempts == 2

    # Healed: new work is delivered by the new worker once each, the old event never again.
    after = [emit("participant.joined", {"identity": f"p{n}"}) for n in range(3)]
    wait_for(lambda: set(after) <= set(hooks.event_ids()), message="deliveries after the heal")
    time.sleep(0.5)
    received = hooks.event_ids()
    assert sorted(received) == sorted([event_id, event_id, while_dead, *after])
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 5


@pytest.mark.parametrize("backend", ["postgresql"])  # SKIP LOCKED; SQLite runs one worker
def test_two_workers_on_postgresql_deliver_each_event_exactly_once(backend, api, receiver, emit, workers):
    hooks = receiver()
    create_endpoint(api, hooks.url("/slow?s=0.1"))
    one, two = workers.start(WORKER_CONCURRENCY=4), workers.start(WORKER_CONCURRENCY=4)
    for process in (one, two):
        wait_for(lambda p=process: "job worker started" in workers.log(p), message="both workers polling")
    sent = [emit("message.created", {"n": n}) for n in range(40)]

    wait_for(lambda: len(hooks.event_ids()) >= 40, timeout=30, message="40 deliveries")
    time.sleep(0.5)
    received = hooks.event_ids()
    assert sorted(received) == sorted(sent)  # every event, none twice
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 40
    # Both processes took part (each logs the deliveries it made).
    assert "webhook delivery" in workers.log(one) and "webhook delivery" in workers.log(two)


def test_a_rotated_secret_verifies_with_both_secrets_until_the_old_one_expires(api, receiver, emit, workers):
    hooks = receiver()
    endpoint = create_endpoint(api, hooks.url("/ok"))
    old = endpoint["secret"]
    rotated = api.post(f"/webhook_endpoints/{endpoint['id']}/rotate_secret", json={"grace_period_seconds": 3})
    assert rotated.status_code == 200
    new = rotated.get_json()["data"]["secret"]
    assert new != old and new.startswith("whsec_")
    rotated_at = time.time()
    workers.start()

    during = emit("room.started")
    wait_for(lambda: during in hooks.event_ids(), message="a delivery during the grace period")
    record = hooks.requests()[-1]
    assert record["headers"]["switchboard-signature"].count("v1=") == 2
    assert len(record["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(record, old)["id"] == during
    assert verified(record, new)["id"] == during

    time.sleep(max(0.0, rotated_at + 3.2 - time.time()))
    after = emit("room.closed")
    wait_for(lambda: after in hooks.event_ids(), message="a delivery after the grace period")
    record = hooks.requests()[-1]
    assert record["headers"]["switchboard-signature"].count("v1=") == 1
    assert verified(record, new)["id"] == after
    with pytest.raises(WebhookVerificationError):
        verify(record["raw"], record["headers"]["switchboard-signature"], old)
    with pytest.raises(WebhookVerificationError):
        verify_standard(record["raw"], record["headers"], old)


def test_delivery_time_resolution_refuses_a_host_that_now_points_somewhere_forbidden(
    api, receiver, emit, workers
):
    hooks = receiver()
    # Allowed when saved; the worker's policy refuses loopback, as if `localhost` had been
    # re-pointed after the check (DNS rebinding).
    endpoint = create_endpoint(api, hooks.url("/ok", host="localhost"))
    emit("room.created")
    workers.start(WEBHOOK_BLOCK_PRIVATE_NETWORKS="true", WEBHOOK_MAX_ATTEMPTS=1)

    def failed():
        listed = deliveries(api, endpoint["id"])
        return listed if listed and listed[0]["status"] == "failed" else None

    (delivery,) = wait_for(failed, message="the refused delivery")
    assert "Refused to connect" in delivery["attempts"][0]["error"]
    assert "loopback or private" in delivery["attempts"][0]["error"]
    assert hooks.requests() == []


def test_sigterm_lets_the_running_delivery_finish_then_exits_cleanly(api, receiver, emit, workers):
    hooks = receiver()
    endpoint = create_endpoint(api, hooks.url("/slow?s=1.5"))
    emit("room.created")
    process = workers.start()
    wait_for(lambda: hooks.requests(), message="the delivery to start")
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    (delivery,) = deliveries(api, endpoint["id"])
    assert delivery["status"] == "succeeded"


def test_changes_made_through_the_real_web_app_reach_the_receiver(app, api, receiver, workers):
    """The whole path across processes: gunicorn commits a room and its event, the worker
    process delivers, the receiver process verifies."""
    import requests

    from tests.support.servers import AppServer

    hooks = receiver()
    endpoint = create_endpoint(api, hooks.url("/ok"), events=["room.created", "room.closed"])
    workers.start()
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "e2e-test-secret"}
    with AppServer(env) as server:
        headers = {"Authorization": f"Bearer {api.key}"}
        room = requests.post(
            server.url + "/api/v1/rooms",
            json={"room": {"name": "Intake", "capabilities": ["chat"]}},
            headers=headers,
            timeout=10,
        ).json()["data"]
        assert requests.delete(f"{server.url}/api/v1/rooms/{room['id']}", headers=headers, timeout=10).ok

    wait_for(lambda: len(hooks.requests()) == 2, message="room.created and room.closed")
    events = [verified(r, endpoint["secret"]) for r in hooks.requests()]
    assert sorted(e["type"] for e in events) == ["room.closed", "room.created"]
    assert all(e["data"]["room_id"] == room["id"] for e in events)

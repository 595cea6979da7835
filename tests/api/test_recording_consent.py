"""Recording consent through the API (rooms with `recording_consent: required`): the
`awaiting_consent` state, the ledger, the timeout job, stop and close while waiting, refusals.
Answers come over the chat socket (tests/realtime/test_recording_consent.py); real egress in
tests/e2e/livekit/test_recording_consent.py. SQLite and PostgreSQL."""

import uuid
from datetime import timedelta

import pytest

from switchboard.extensions import db
from switchboard.jobs.worker import run_due_jobs
from switchboard.models import AuditEntry, Event, Job, Recording
from switchboard.models.base import utcnow
from tests.support.livekit_signing import join
from tests.support.recording import MotoServer

CONSENT_ROOM = {"capabilities": ["video", "audio", "chat", "recording"], "recording_consent": "required"}


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def app_config():
    return {"RECORDING_SECRETS_KEY": "api-test-recording-key", "RECORDING_CONSENT_TIMEOUT_SECONDS": 90}


@pytest.fixture
def settings(api, moto):
    name = "cns-" + uuid.uuid4().hex[:12]
    key_id = moto.make_bucket(name)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(name, key_id),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200, response.get_json()
    return name


def consent_room(api, app, *identities, **fields):
    room = api.create_room(**{**CONSENT_ROOM, **fields})
    for identity in identities:
        join(api, app, room["id"], identity)
    return room


def start(api, room, **body):
    return api.post(f"/rooms/{room['id']}/recordings", json=body)


def test_a_recording_waits_for_consent_asks_everyone_connected_and_starts_no_egress(api, app, settings):
    room = consent_room(api, app, "dr-1", "pat-1")
    response = start(api, room, layout="speaker")
    assert response.status_code == 201, response.get_json()
    rec = response.get_json()["data"]
    assert (rec["status"], rec["error"], rec["started_at"]) == ("awaiting_consent", None, None)
    assert db.session.get(Recording, rec["id"]).egress_id is None

    ledger = api.get(f"/recordings/{rec['id']}/consents").get_json()
    assert ledger["has_more"] is False
    assert sorted(ledger["data"], key=lambda row: row["identity"]) == [
        {"identity": "dr-1", "accepted": None, "at": None},
        {"identity": "pat-1", "accepted": None, "at": None},
    ]
    # The timeout is a job due RECORDING_CONSENT_TIMEOUT_SECONDS after the request; no start job.
    kinds = {job.kind: job for job in db.session.scalars(db.select(Job))}
    assert "recordings.start_unanswered" not in kinds and "recordings.start" not in kinds
    due = kinds["recordings.consent_timeout"]
    assert due.payload == {"recording_id": rec["id"]}
    assert abs((due.run_at - utcnow()).total_seconds() - 90) < 10

    listed = api.get(f"/recordings?status=awaiting_consent&room_id={room['id']}").get_json()["data"]
    assert [r["id"] for r in listed] == [rec["id"]]
    again = start(api, room)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "recording_in_progress"
    actions = list(db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.room_id == room["id"])))
    assert "recording.consent_requested" in actions


def test_nobody_answering_in_time_fails_it_with_consent_timeout_and_tells_webhooks(api, app, settings):
    room = consent_room(api, app, "dr-1")
    rec_id = start(api, room).get_json()["data"]["id"]
    db.session.execute(
        db.update(Job)
        .where(Job.kind == "recordings.consent_timeout")
        .values(run_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert run_due_jobs("test-worker") >= 1

    data = api.get(f"/recordings/{rec_id}").get_json()["data"]
    assert data["status"] == "failed" and data["error"]["code"] == "consent_timeout"
    assert db.session.get(Recording, rec_id).egress_id is None
    failed = db.session.scalar(db.select(Event).where(Event.type == "recording.failed"))
    assert failed.data["id"] == rec_id and failed.data["error"]["code"] == "consent_timeout"
    # The ledger still shows who never answered; a new recording may be requested.
    assert api.get(f"/recordings/{rec_id}/consents").get_json()["data"] == [
        {"identity": "dr-1", "accepted": None, "at": None}
    ]
    assert start(api, room).status_code == 201


def test_stopping_while_awaiting_consent_fails_it_without_egress(api, app, settings):
    room = consent_room(api, app, "dr-1")
    rec_id = start(api, room).get_json()["data"]["id"]
    stopped = api.post(f"/recordings/{rec_id}/stop")
    assert stopped.status_code == 200, stopped.get_json()
    data = stopped.get_json()["data"]
    assert data["status"] == "failed" and data["error"]["code"] == "consent_cancelled"
    assert api.post(f"/recordings/{rec_id}/stop").get_json()["data"]["status"] == "failed"  # idempotent
    # The timeout job finds nothing left to do.
    db.session.execute(
        db.update(Job)
        .where(Job.kind == "recordings.consent_timeout")
        .values(run_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    run_due_jobs("test-worker")
    assert api.get(f"/recordings/{rec_id}").get_json()["data"]["error"]["code"] == "consent_cancelled"


def test_closing_the_room_while_awaiting_consent_fails_the_recording(api, app, settings):
    room = consent_room(api, app, "dr-1")
    rec_id = start(api, room).get_json()["data"]["id"]
    assert api.delete(f"/rooms/{room['id']}").status_code == 200
    data = api.get(f"/recordings/{rec_id}").get_json()["data"]
    assert data["status"] == "failed" and data["error"]["code"] == "room_closed"


def test_consent_needs_the_chat_and_someone_to_ask(api, app, settings):
    no_chat = consent_room(api, app, "dr-1", capabilities=["video", "recording"])
    response = start(api, no_chat)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "consent_unavailable" and "chat" in error["message"]
    assert api.get(f"/recordings?room_id={no_chat['id']}").get_json()["data"] == []


def test_the_ledger_of_an_unknown_or_another_projects_recording_is_a_404(api, other_api, app, settings):
    assert api.get("/recordings/rec_missing/consents").status_code == 404
    assert api.get("/recordings/rec_missing/consents").get_json()["error"]["code"] == "not_found"
    room = consent_room(api, app, "dr-1")
    rec_id = start(api, room).get_json()["data"]["id"]
    assert other_api.get(f"/recordings/{rec_id}/consents").status_code == 404

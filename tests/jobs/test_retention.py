"""The retention purge through its real entry points (the job worker and `flask retention
purge`) on SQLite and PostgreSQL: it erases exactly what a project's policy no longer keeps,
in bounded batches, once per period however many workers run, and deletes expired recordings
from the bucket (moto's S3) before their pointers."""

import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.jobs import worker
from switchboard.models import (
    AuditEntry,
    ChatMessage,
    Event,
    Job,
    Participant,
    ParticipantTrack,
    Project,
    Recording,
    Room,
    Session,
    WaitingEntry,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from switchboard.models.base import utcnow
from switchboard.services import retention
from tests.support.recording import MotoServer

POLICY = {"chat_messages_days": 30, "sessions_days": 30, "recordings_days": 30, "webhook_deliveries_days": 7}
OLD, RECENT = 40, 1  # days ago: past every limit of POLICY, and within all of them


def ago(days: float):
    return utcnow() - timedelta(days=days)


def project_id(name: str) -> str:
    return db.session.scalar(db.select(Project.id).where(Project.name == name))


def set_policy(api, body=POLICY):
    response = api.client.put("/api/v1/retention", json=body, headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 200, response.get_json()


def seed_room(pid: str, *, status: str, tag: str) -> str:
    """A room with an old and a recent session, chat message, waiting entry and personal events."""
    room = Room(
        project_id=pid,
        name=f"Visit {tag}",
        status=status,
        capabilities=["video", "chat"],
        max_participants=10,
        empty_timeout=300,
        region="local",
        metadata_={},
        created_at=ago(OLD + 1),
        closed_at=ago(RECENT) if status == "closed" else None,
    )
    db.session.add(room)
    db.session.flush()
    for age, label in ((OLD, "old"), (RECENT, "new")):
        session = Session(project_id=pid, room_id=room.id, started_at=ago(age), created_at=ago(age))
        db.session.add(session)
        db.session.flush()
        person = Participant(
            project_id=pid,
            room_id=room.id,
            session_id=session.id,
            sid=f"PA_{label}",
            identity=f"patient-{tag}-{label}",
            identity_hash=uuid.uuid4().hex,
            name="Jane Roe",
            role="patient",
            joined_at=ago(age),
            created_at=ago(age),
            state="disconnected",
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(
            ParticipantTrack(participant_id=person.id, sid=f"TR_{label}", kind="audio", source="microphone")
        )
        seq = 1 if label == "old" else 2
        db.session.add(
            ChatMessage(
                project_id=pid,
                room_id=room.id,
                seq=seq,
                sender_identity=person.identity,
                body=f"my symptoms {tag}-{label}",
                sent_at=ago(age),
            )
        )
        db.session.add(
            WaitingEntry(
                project_id=pid,
                room_id=room.id,
                identity=f"waiting-{label}",
                identity_hash=uuid.uuid4().hex,
                name="Waiting Person",
                role="patient",
                status="admitted",
                waiting_since=ago(age),
            )
        )
        db.session.add(
            Event(
                project_id=pid,
                type="message.created",
                data={"room_id": room.id, "body": f"my symptoms {tag}-{label}"},
                created_at=ago(age),
            )
        )
        db.session.add(
            Event(
                project_id=pid,
                type="participant.joined",
                data={"room_id": room.id, "identity": person.identity},
                created_at=ago(age),
            )
        )
    db.session.commit()
    return room.id


def seed_deliveries(pid: str) -> dict[str, str]:
    endpoint = WebhookEndpoint(project_id=pid, url="http://127.0.0.1:9/hook", events=["*"], secret="whsec_x")
    event = Event(project_id=pid, type="room.created", data={"room_id": "rm_x"}, created_at=ago(OLD))
    db.session.add_all([endpoint, event])
    db.session.flush()
    ids = {}
    for label, status, age in (
        ("old_succeeded", "succeeded", OLD),
        ("old_failed", "failed", OLD),
        ("old_pending", "pending", OLD),
        ("new_succeeded", "succeeded", RECENT),
    ):
        other_event = Event(
            project_id=pid, type="room.created", data={"room_id": "rm_x"}, created_at=ago(age)
        )
        db.session.add(other_event)
        db.session.flush()
        delivery = WebhookDelivery(
            project_id=pid,
            endpoint_id=endpoint.id,
            event_id=other_event.id,
            event_type="room.created",
            status=status,
            created_at=ago(age),
        )
        db.session.add(delivery)
        db.session.flush()
        db.session.add(
            WebhookAttempt(delivery_id=delivery.id, endpoint_id=endpoint.id, attempted_at=ago(age))
        )
        ids[label] = delivery.id
    db.session.commit()
    return ids


@pytest.fixture
def world(api, other_api):
    """acme (with POLICY) and globex (no policy) each hold a closed and a live room and
    deliveries, all with rows older and newer than POLICY's limits."""
    set_policy(api)
    other_api.get("/retention")  # globex exists with its key
    out = {}
    for name in ("acme", "globex"):
        pid = project_id(name)
        out[name] = {
            "project_id": pid,
            "closed": seed_room(pid, status="closed", tag=f"{name}-closed"),
            "live": seed_room(pid, status="active", tag=f"{name}-live"),
            "deliveries": seed_deliveries(pid),
        }
    return out


def purge_now(runner, *args) -> dict:
    result = runner.invoke(args=["retention", "purge", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return json.loads(result.stdout)


def count(model, *where) -> int:
    return db.session.scalar(db.select(sa.func.count()).select_from(model).where(*where))


def room_rows(room_id: str) -> dict[str, int]:
    return {
        "messages": count(ChatMessage, ChatMessage.room_id == room_id),
        "sessions": count(Session, Session.room_id == room_id),
        "participants": count(Participant, Participant.room_id == room_id),
        "waiting": count(WaitingEntry, WaitingEntry.room_id == room_id),
    }


def personal_events(room_id: str) -> list[dict]:
    rows = db.session.scalars(
        db.select(Event).where(Event.type.in_(("message.created", "participant.joined")))
    )
    return sorted((e.data for e in rows if e.data.get("room_id") == room_id), key=json.dumps)


def test_the_purge_erases_exactly_what_the_policy_no_longer_keeps(runner, world):
    acme, globex = world["acme"], world["globex"]
    globex_before = {room: room_rows(globex[room]) for room in ("closed", "live")}
    result = purge_now(runner)

    erased = result[acme["project_id"]]
    assert erased == {
        "chat_messages": 1,
        "events_redacted": 2,
        "participants": 1,
        "recordings_kept_without_bucket": 0,
        "recordings_queued": 0,
        "sessions": 1,
        "waiting_entries": 1,
        "webhook_deliveries": 2,
    }
    assert globex["project_id"] not in result  # no policy: nothing runs for it
    # The closed room keeps only what is recent; the recent chat body is still readable.
    assert room_rows(acme["closed"]) == {"messages": 1, "sessions": 1, "participants": 1, "waiting": 1}
    kept = db.session.scalar(db.select(ChatMessage).where(ChatMessage.room_id == acme["closed"]))
    assert kept.body.endswith("-new") and kept.seq == 2
    assert (
        db.session.scalar(db.select(Participant).where(Participant.room_id == acme["closed"])).sid == "PA_new"
    )
    assert count(ParticipantTrack) == 7  # 8 seeded, the old closed-room participant's went with it
    # A live visit is never touched, however old its rows.
    assert room_rows(acme["live"]) == {"messages": 2, "sessions": 2, "participants": 2, "waiting": 2}
    # Another project's rows are untouched.
    assert {room: room_rows(globex[room]) for room in ("closed", "live")} == globex_before
    # Old events that carried the erased chat and people keep only their room.
    events = personal_events(acme["closed"])
    assert events.count({"room_id": acme["closed"], "redacted": True}) == 2
    assert any(e.get("body", "").endswith("acme-closed-new") for e in events)
    assert all("redacted" not in e for e in personal_events(acme["live"]) + personal_events(globex["closed"]))
    # Finished old deliveries go with their attempts; pending and recent ones stay.
    ids = acme["deliveries"]
    remaining = set(
        db.session.scalars(
            db.select(WebhookDelivery.id).where(WebhookDelivery.project_id == acme["project_id"])
        )
    )
    assert remaining == {ids["old_pending"], ids["new_succeeded"]}
    assert (
        count(WebhookAttempt, WebhookAttempt.delivery_id.in_([ids["old_succeeded"], ids["old_failed"]])) == 0
    )
    assert count(WebhookDelivery, WebhookDelivery.project_id == globex["project_id"]) == 4


def test_each_run_writes_one_audit_entry_per_project_with_counts_only(runner, world, api):
    purge_now(runner)
    second = purge_now(runner)
    assert set(second[world["acme"]["project_id"]].values()) == {0}  # nothing more to erase
    entries = list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.action == "retention.purged")
            .order_by(AuditEntry.created_at)
        )
    )
    assert [(e.project_id, e.actor) for e in entries] == [(world["acme"]["project_id"], "cli")] * 2
    assert entries[0].detail["erased"]["chat_messages"] == 1
    text = json.dumps([e.detail for e in entries])
    assert "symptoms" not in text and "patient-" not in text and "Jane" not in text
    listed = api.get("/audit_events?action=retention.purged").get_json()["data"]
    assert len(listed) == 2


def test_the_purge_deletes_in_bounded_batches(app, runner, api):
    set_policy(api, {"chat_messages_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="batch")
    for seq in range(3, 8):  # five more old messages: six expired in all
        db.session.add(
            ChatMessage(
                project_id=pid, room_id=room_id, seq=seq, sender_identity="x", body="b", sent_at=ago(OLD)
            )
        )
    db.session.commit()
    app.config["RETENTION_BATCH_SIZE"] = 4
    deletes = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DELETE FROM CHAT_MESSAGES"):
            deletes.append(cursor.rowcount)

    sa.event.listen(db.engine, "after_cursor_execute", capture)
    try:
        erased = purge_now(runner)[pid]
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", capture)
    assert erased["chat_messages"] == 6
    assert deletes == [4, 2]  # never more than a batch per statement (each batch commits)
    assert room_rows(room_id)["messages"] == 1


def test_purge_of_one_project_and_an_unknown_project(runner, world):
    result = purge_now(runner, "--project", "acme")
    assert list(result) == [world["acme"]["project_id"]]
    failed = runner.invoke(args=["retention", "purge", "--project", "nope"])
    assert failed.exit_code != 0 and "no project" in failed.output


def test_the_worker_runs_the_periodic_purge_once_per_period_however_many_workers(app, world):
    period = app.config["RETENTION_PURGE_EVERY_SECONDS"]
    now = time.time() // period * period  # the start of the current slot (already due)
    # Two workers reach the same slot: the job table's unique key lets one purge in.
    worker.schedule_periodic(now=now, seen={})
    worker.schedule_periodic(now=now + 1, seen={})
    purges = db.session.scalars(db.select(Job).where(Job.kind == "retention.purge")).all()
    assert len(purges) == 1 and purges[0].unique_key == f"retention.purge@{int(now // period)}"
    assert worker.run_due_jobs("worker-a") >= 1
    assert worker.run_due_jobs("worker-b") == 0
    db.session.expire_all()
    assert db.session.get(Job, purges[0].id).status == "done"
    assert room_rows(world["acme"]["closed"])["messages"] == 1
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "retention.purged")).all()
    assert [(e.project_id, e.actor) for e in entries] == [(world["acme"]["project_id"], "retention")]


# Recordings: the object in the customer's bucket first, then the pointer.


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def app_config():
    return {"RECORDING_SECRETS_KEY": "retention-test-recording-key"}


def recording(pid: str, room_id: str, *, status: str, age: float, key: str) -> Recording:
    rec = Recording(
        project_id=pid,
        room_id=room_id,
        status=status,
        layout="grid",
        format="mp4",
        audio_only=False,
        bucket="b",
        object_key=key,
        created_at=ago(age),
        ended_at=ago(age) if status in ("completed", "failed") else None,
    )
    db.session.add(rec)
    db.session.commit()
    return rec


def test_expired_recordings_are_deleted_from_the_bucket_then_their_pointers_by_the_worker(app, api, moto):
    name = "ret-" + uuid.uuid4().hex[:12]
    key_id = moto.make_bucket(name)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(name, key_id),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200, response.get_json()
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    s3 = moto.s3()
    recs = {}
    for label, status, age in (
        ("old_completed", "completed", OLD),
        ("old_failed", "failed", OLD),
        ("old_running", "recording", OLD),
        ("new_completed", "completed", RECENT),
    ):
        key = f"{room_id}/{label}.mp4"
        s3.put_object(Bucket=name, Key=key, Body=b"x" * 64)
        recs[label] = recording(pid, room_id, status=status, age=age, key=key).id
    app.config["RETENTION_PURGE_EVERY_SECONDS"] = 3600

    worker.schedule_periodic(seen={})
    worker.run_due_jobs("w1")  # the purge queues two deletions, which the same loop runs
    db.session.expire_all()

    left = {o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])}
    assert left == {f"{room_id}/old_running.mp4", f"{room_id}/new_completed.mp4"}
    assert set(db.session.scalars(db.select(Recording.id))) == {recs["old_running"], recs["new_completed"]}
    deleted = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "recording.deleted")).all()
    assert sorted(e.detail["recording_id"] for e in deleted) == sorted(
        [recs["old_completed"], recs["old_failed"]]
    )
    assert {e.actor for e in deleted} == {"retention"}
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "retention.delete_recording")).all()
    assert len(jobs) == 2 and {j.status for j in jobs} == {"done"}
    purged = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "retention.purged"))
    assert purged.detail["erased"]["recordings_queued"] == 2


def test_a_recording_deletion_waits_while_the_bucket_refuses_and_is_queued_only_once(app, api, moto, runner):
    name = "ret-" + uuid.uuid4().hex[:12]
    key_id = moto.make_bucket(name)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(name, key_id),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    rec_id = recording(pid, room_id, status="completed", age=OLD, key=f"{room_id}/a.mp4").id
    s3 = moto.s3()
    s3.put_object(Bucket=name, Key=f"{room_id}/a.mp4", Body=b"x")
    # The customer's bucket goes away: the object cannot be deleted, so the pointer stays.
    s3.delete_object(Bucket=name, Key=f"{room_id}/a.mp4")
    s3.delete_bucket_encryption(Bucket=name)
    s3.delete_bucket(Bucket=name)

    assert purge_now(runner)[pid]["recordings_queued"] == 1
    assert purge_now(runner)[pid]["recordings_queued"] == 0  # already on the job table
    worker.run_due_jobs("w1")
    db.session.expire_all()
    job = db.session.scalar(db.select(Job).where(Job.kind == "retention.delete_recording"))
    assert job.status == "queued" and job.attempts == 1 and "bucket" in (job.last_error or "").lower()
    assert db.session.get(Recording, rec_id) is not None


def test_without_recording_settings_expired_recordings_are_kept_and_counted(runner, api):
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    rec_id = recording(pid, room_id, status="completed", age=OLD, key="k.mp4").id
    erased = purge_now(runner)[pid]
    assert erased == {"recordings_kept_without_bucket": 1, "recordings_queued": 0}
    assert db.session.get(Recording, rec_id) is not None
    assert count(Job, Job.kind == "retention.delete_recording") == 0


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite deployments run one worker process
def test_two_purges_at_once_erase_each_row_once(app, world):
    start = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                results.append(retention.purge_all(actor="retention")[world["acme"]["project_id"]])
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == 2
    totals = {name: sum(r[name] for r in results) for name in results[0]}
    assert totals == {
        "chat_messages": 1,
        "events_redacted": 2,
        "participants": 1,
        "recordings_kept_without_bucket": 0,
        "recordings_queued": 0,
        "sessions": 1,
        "waiting_entries": 1,
        "webhook_deliveries": 2,
    }
    db.session.expire_all()
    assert room_rows(world["acme"]["closed"]) == {
        "messages": 1,
        "sessions": 1,
        "participants": 1,
        "waiting": 1,
    }
    assert room_rows(world["acme"]["live"]) == {"messages": 2, "sessions": 2, "participants": 2, "waiting": 2}

"""The retention purge through its real entry points (the job worker and `flask retention
purge`) on SQLite and PostgreSQL: it erases exactly what a project's policy no longer keeps,
in bounded batches, once per period however many workers run."""

import json
import threading
import time

import pytest
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.jobs import worker
from switchboard.models import (
    AuditEntry,
    ChatMessage,
    Job,
    Participant,
    ParticipantTrack,
    WebhookAttempt,
    WebhookDelivery,
)
from switchboard.services import retention
from tests.jobs.conftest import (
    OLD,
    ago,
    count,
    personal_events,
    project_id,
    purge_now,
    room_rows,
    seed_room,
    set_policy,
)


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

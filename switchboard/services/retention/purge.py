"""The retention purge: erasing what a project's policy no longer keeps.

Rules, per kind (`RETENTION_KINDS`):
- chat messages and sessions (with their participants, tracks and waiting-room entries) only
  of *closed* rooms: a live visit's chat and roster are never touched;
- recordings that are finished (completed or failed) go through `recordings.delete_recording`
  on the job table (object in the customer's bucket first, then the pointer), one job per
  recording under a unique key, so two runs never queue it twice;
- webhook deliveries that are finished (succeeded or failed) with their attempts; pending
  ones are still being delivered and are never purged.
Webhook events that carried what was erased (`message.created`, `participant.*`) keep their
id and type but lose their payload, as `POST /rooms/:id/purge` does.

Deletes run in batches of RETENTION_BATCH_SIZE rows, each committed on its own, so a large
backlog never holds locks for long and an interrupted run resumes where it stopped. Every
statement is scoped by project and age, so running it twice (or on two workers at once)
erases nothing extra. Each run writes one `retention.purged` audit entry per project with
counts only.
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from switchboard.extensions import db
from switchboard.models import (
    ChatMessage,
    Event,
    Job,
    Participant,
    ParticipantTrack,
    Recording,
    RetentionPolicy,
    Room,
    Session,
    WaitingEntry,
    WebhookAttempt,
    WebhookDelivery,
)
from switchboard.models.base import new_id, utcnow
from switchboard.plumbing import audit
from switchboard.services.recordings import find_settings
from switchboard.services.rooms.purge import PERSONAL_EVENTS

log = logging.getLogger(__name__)

DELETE_RECORDING = "retention.delete_recording"
FINISHED_RECORDINGS = ("completed", "failed")
FINISHED_DELIVERIES = ("succeeded", "failed")


def _closed_rooms(project_id: str):
    return db.select(Room.id).where(Room.project_id == project_id, Room.status == "closed")


def _rows(statement) -> int:
    return db.session.execute(statement).rowcount or 0


def _in_batches(ids_query, erase: Callable[[list[str]], int], batch: int) -> int:
    """Take up to `batch` ids at a time and erase them, committing each batch; returns the
    rows `erase` reports (another run erasing the same rows at once makes them count once)."""
    total = 0
    while True:
        ids = list(db.session.scalars(ids_query.limit(batch)))
        if ids:
            total += erase(ids)
            db.session.commit()
        if len(ids) < batch:
            return total


def _redact_events(project_id: str, types: tuple[str, ...], cutoff, batch: int) -> int:
    """Strip the payload of the project's events of `types` older than `cutoff` in closed
    rooms, except those a webhook delivery is still trying to send."""
    pending = db.select(WebhookDelivery.id).where(
        WebhookDelivery.event_id == Event.id, WebhookDelivery.status == "pending"
    )
    unredacted = Event.data["redacted"].as_boolean().is_(None)
    ids = (
        db.select(Event.id)
        .where(
            Event.project_id == project_id,
            Event.type.in_(types),
            Event.created_at < cutoff,
            Event.data["room_id"].as_string().in_(_closed_rooms(project_id)),
            unredacted,
            ~pending.exists(),
        )
        .order_by(Event.created_at)
    )

    def erase(event_ids: list[str]) -> int:
        rooms = db.session.execute(
            db.select(Event.id, Event.data["room_id"].as_string()).where(Event.id.in_(event_ids))
        )
        return sum(
            _rows(
                db.update(Event)
                .where(Event.id == event_id, unredacted)
                .values(data={"room_id": room_id, "redacted": True})
                .execution_options(synchronize_session=False)
            )
            for event_id, room_id in rooms.all()
        )

    return _in_batches(ids, erase, batch)


def _purge_chat(project_id: str, cutoff, batch: int, counts: Counter) -> None:
    ids = db.select(ChatMessage.id).where(
        ChatMessage.project_id == project_id,
        ChatMessage.sent_at < cutoff,
        ChatMessage.room_id.in_(_closed_rooms(project_id)),
    )
    counts["chat_messages"] += _in_batches(
        ids,
        lambda batch_ids: _rows(db.delete(ChatMessage).where(ChatMessage.id.in_(batch_ids))),
        batch,
    )
    counts["events_redacted"] += _redact_events(project_id, ("message.created",), cutoff, batch)


def _purge_sessions(project_id: str, cutoff, batch: int, counts: Counter) -> None:
    ids = db.select(Session.id).where(
        Session.project_id == project_id,
        Session.created_at < cutoff,
        Session.room_id.in_(_closed_rooms(project_id)),
    )

    def erase(session_ids: list[str]) -> int:
        people = db.select(Participant.id).where(Participant.session_id.in_(session_ids))
        db.session.execute(db.delete(ParticipantTrack).where(ParticipantTrack.participant_id.in_(people)))
        counts["participants"] += _rows(db.delete(Participant).where(Participant.session_id.in_(session_ids)))
        return _rows(db.delete(Session).where(Session.id.in_(session_ids)))

    counts["sessions"] += _in_batches(ids, erase, batch)
    waiting = db.select(WaitingEntry.id).where(
        WaitingEntry.project_id == project_id,
        WaitingEntry.waiting_since < cutoff,
        WaitingEntry.room_id.in_(_closed_rooms(project_id)),
    )
    counts["waiting_entries"] += _in_batches(
        waiting,
        lambda batch_ids: _rows(db.delete(WaitingEntry).where(WaitingEntry.id.in_(batch_ids))),
        batch,
    )
    people_events = tuple(t for t in PERSONAL_EVENTS if t.startswith("participant."))
    counts["events_redacted"] += _redact_events(project_id, people_events, cutoff, batch)


def _unique_key(recording_id: str) -> str:
    return f"{DELETE_RECORDING}:{recording_id}"


def _purge_recordings(project_id: str, cutoff, batch: int, counts: Counter) -> None:
    if find_settings(project_id) is None:
        # Without the bucket's credentials the object cannot be deleted, and a pointer deleted
        # without its object would leave PHI nobody can find: keep both, and say so.
        counts["recordings_kept_without_bucket"] += (
            db.session.scalar(
                db.select(sa.func.count(Recording.id)).where(
                    Recording.project_id == project_id,
                    Recording.created_at < cutoff,
                    Recording.status.in_(FINISHED_RECORDINGS),
                )
            )
            or 0
        )
        return
    queued = db.select(Job.id).where(Job.unique_key == sa.literal(f"{DELETE_RECORDING}:") + Recording.id)
    ids = (
        db.select(Recording.id)
        .where(
            Recording.project_id == project_id,
            Recording.created_at < cutoff,
            Recording.status.in_(FINISHED_RECORDINGS),
            ~queued.exists(),
        )
        .order_by(Recording.created_at)
    )
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert

    def enqueue(recording_ids: list[str]) -> int:
        now = utcnow()
        rows = [
            {
                "id": new_id("job"),
                "kind": DELETE_RECORDING,
                "payload": {"recording_id": rec_id},
                "status": "queued",
                "run_at": now,
                "attempts": 0,
                "max_attempts": 20,
                "unique_key": _unique_key(rec_id),
                "created_at": now,
                "updated_at": now,
            }
            for rec_id in recording_ids
        ]
        statement = insert(Job).values(rows).on_conflict_do_nothing(index_elements=["unique_key"])
        return len(db.session.execute(statement.returning(Job.id)).all())

    counts["recordings_queued"] += _in_batches(ids, enqueue, batch)


def _purge_deliveries(project_id: str, cutoff, batch: int, counts: Counter) -> None:
    ids = db.select(WebhookDelivery.id).where(
        WebhookDelivery.project_id == project_id,
        WebhookDelivery.created_at < cutoff,
        WebhookDelivery.status.in_(FINISHED_DELIVERIES),
    )

    def erase(delivery_ids: list[str]) -> int:
        db.session.execute(db.delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)))
        return _rows(db.delete(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids)))

    counts["webhook_deliveries"] += _in_batches(ids, erase, batch)


# The counts each kind reports, zero included, so every audit entry of a policy has one shape.
COUNTS = {
    "chat_messages": ("chat_messages", "events_redacted"),
    "sessions": ("sessions", "participants", "waiting_entries", "events_redacted"),
    "recordings": ("recordings_queued", "recordings_kept_without_bucket"),
    "webhook_deliveries": ("webhook_deliveries",),
}

PURGERS = {
    "chat_messages": _purge_chat,
    "sessions": _purge_sessions,
    "recordings": _purge_recordings,
    "webhook_deliveries": _purge_deliveries,
}


def purge_project(policy: RetentionPolicy, *, actor: str = "retention", batch: int | None = None) -> dict:
    """Erase what `policy` no longer keeps, in committed batches; one audit entry with the counts."""
    batch = batch or current_app.config["RETENTION_BATCH_SIZE"]
    project_id = policy.project_id
    now = utcnow()
    counts: Counter = Counter()
    for kind, purge in PURGERS.items():
        days = policy.days(kind)
        if days is not None:
            counts.update(dict.fromkeys(COUNTS[kind], 0))
            purge(project_id, now - timedelta(days=days), batch, counts)
    erased = {name: counts[name] for name in sorted(counts)}
    audit.record(project_id, "retention.purged", actor=actor, detail={"erased": erased})
    db.session.commit()
    log.info("retention purge of %s: %s", project_id, erased)
    return erased

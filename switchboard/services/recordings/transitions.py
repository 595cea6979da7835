"""A recording's state as egress reports it: (`awaiting_consent` →) `starting → recording →
stopping → completed | failed`, never backwards, each change announced once (webhook event
and audit entry)."""

from datetime import UTC, datetime

from switchboard.extensions import db
from switchboard.livekit.egress import Egress
from switchboard.models import Recording
from switchboard.models.base import isoformat, utcnow
from switchboard.plumbing import audit, events
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.signals import consent_closed
from switchboard.plumbing.transactions import after_commit


def as_dict(rec: Recording) -> dict:
    """The recording as the API and webhooks show it."""
    return {
        "id": rec.id,
        "room_id": rec.room_id,
        "status": rec.status,
        "layout": rec.layout,
        "format": rec.format,
        "audio_only": rec.audio_only,
        "destination": f"s3://{rec.bucket}/{rec.object_key}",
        "started_at": isoformat(rec.started_at),
        "ended_at": isoformat(rec.ended_at),
        "size_bytes": rec.size_bytes,
        "duration_seconds": rec.duration_seconds,
        "error": {"code": rec.error_code, "message": rec.error_message} if rec.error_code else None,
        "created_at": isoformat(rec.created_at),
    }


def fail(rec: Recording, code: str, message: str, *, actor: str = "egress") -> None:
    """End a recording as `failed` with a clear error (once) and tell the customer."""
    if not rec.active:
        return
    if rec.status == "awaiting_consent":  # the pages still asking close their dialog
        room_id, rec_id = rec.room_id, rec.id
        after_commit(lambda: consent_closed.send(room_id, recording_id=rec_id, outcome=code))
    rec.status = "failed"
    rec.error_code, rec.error_message = code, message
    rec.ended_at = rec.ended_at or utcnow()
    db.session.flush()
    events.emit(rec.project_id, "recording.failed", as_dict(rec))
    audit.record(
        rec.project_id,
        "recording.failed",
        actor=actor,
        room_id=rec.room_id,
        detail={"recording_id": rec.id, "reason": code},
    )


def _when(seconds: float | None):
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None) if seconds else utcnow()


def apply_egress(rec: Recording, info: Egress) -> None:
    """Move the recording forward to what egress reports (idempotent; caller commits)."""
    if not rec.active:
        return
    if info.status == "active" and rec.status == "starting":
        rec.status = "recording"
        rec.started_at = _when(info.started_at)
        db.session.flush()
        events.emit(rec.project_id, "recording.started", as_dict(rec))
        audit.record(
            rec.project_id,
            "recording.started",
            actor="egress",
            room_id=rec.room_id,
            detail={"recording_id": rec.id},
        )
    elif info.status == "ending" and rec.status in ("starting", "recording"):
        rec.status = "stopping"
    elif info.status in ("complete", "limit_reached"):
        if rec.started_at is None:
            rec.started_at = _when(info.started_at)
        first = rec.ended_at is None
        rec.status = "stopping"
        rec.ended_at = _when(info.ended_at)
        rec.size_bytes = info.size_bytes
        rec.duration_seconds = round(info.duration_seconds, 3) if info.duration_seconds else None
        if first:  # webhooks and reconciliation may both report it
            enqueue("recordings.finalize", {"recording_id": rec.id})
    elif info.status in ("failed", "aborted"):
        fail(rec, "egress_failed", info.error or f"The egress ended as {info.status}.")
    db.session.flush()

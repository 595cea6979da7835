"""Recordings as LiveKit reports them: `egress_*` webhooks, the check of the finished object
(aws:kms under the customer's key, repaired by an in-place copy) and reconciliation with
`ListEgress`, because webhooks get lost and egress workers die."""

import logging
from datetime import timedelta

from flask import current_app

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.livekit import egress
from switchboard.livekit.egress import Egress
from switchboard.models import ACTIVE_RECORDING_STATUSES, Recording, Room
from switchboard.models.base import utcnow
from switchboard.plumbing import audit, events
from switchboard.services.recordings import consent, storage
from switchboard.services.recordings.recording import stop_recording
from switchboard.services.recordings.settings import bucket_of, find_settings
from switchboard.services.recordings.transitions import apply_egress, as_dict, fail

log = logging.getLogger(__name__)


def _locked(**where) -> Recording | None:
    query = db.select(Recording).filter_by(**where).with_for_update()
    return db.session.scalar(query)


def handle_egress(info: Egress) -> None:
    """Apply an `egress_started/updated/ended` webhook (caller commits)."""
    rec = _locked(egress_id=info.egress_id)
    if rec is None:
        # The webhook can beat the start call's answer: find it by its object key.
        rec = db.session.scalar(
            db.select(Recording)
            .where(Recording.room_id == info.room_name, Recording.status.in_(ACTIVE_RECORDING_STATUSES))
            .with_for_update()
        )
        if rec is None or not info.filename or not rec.object_key.endswith(info.filename.rsplit("/", 1)[-1]):
            return
        rec.egress_id = info.egress_id
    apply_egress(rec, info)


def finalize(recording_id: str) -> None:
    """The file is uploaded: check it is aws:kms under the configured key (repair by an
    in-place copy with SSE-KMS), then `completed`; else `failed`. Commits."""
    rec = _locked(id=recording_id)
    if rec is None or not rec.active:
        db.session.commit()
        return
    settings = find_settings(rec.project_id)
    if settings is None:
        fail(
            rec, "encryption_failed", "The recording settings were deleted; the object could not be verified."
        )
        db.session.commit()
        return
    try:
        size, repaired = storage.ensure_kms(bucket_of(settings), rec.object_key)
    except storage.StorageError as err:
        if err.code in ("bucket_unreachable", "s3_error"):
            db.session.commit()
            raise  # a passing outage: the job retries
        code = "upload_failed" if err.code == "object_missing" else "encryption_failed"
        fail(rec, code, str(err))
        db.session.commit()
        return
    rec.status = "completed"
    rec.size_bytes = size or rec.size_bytes
    db.session.flush()
    events.emit(rec.project_id, "recording.completed", as_dict(rec))
    audit.record(
        rec.project_id,
        "recording.completed",
        actor="egress",
        room_id=rec.room_id,
        detail={"recording_id": rec.id, "size_bytes": rec.size_bytes, "repaired": repaired},
    )
    db.session.commit()


def reconcile() -> dict:
    """Compare every active recording with LiveKit's `ListEgress` and repair ours (commits
    per recording): missed webhooks, lost egresses, stops that never finish, closed rooms."""
    config = current_app.config
    now = utcnow()
    ids = list(
        db.session.scalars(db.select(Recording.id).where(Recording.status.in_(ACTIVE_RECORDING_STATUSES)))
    )
    stats = {"checked": 0, "failed": 0}
    for rec_id in ids:
        rec = _locked(id=rec_id)
        if rec is None or not rec.active:
            db.session.commit()
            continue
        stats["checked"] += 1
        try:
            _reconcile_one(rec, now, config)
        except ApiError as err:
            log.warning("could not reconcile recording %s: %s", rec_id, err.code)
        if rec.status == "failed":
            stats["failed"] += 1
        db.session.commit()
    return stats


def _recorder_gone(rec: Recording, info: Egress, now, config) -> bool:
    """A killed egress worker reports nothing: LiveKit keeps listing its egress `active`
    forever. Its recorder (a hidden participant whose identity is the egress id) leaves the
    room, though, so an active egress without its recorder, past a grace period after the
    start (the recorder joins before egress reports `active`; LiveKit keeps a briefly
    disconnected participant listed while it reconnects), is lost."""
    if rec.status != "recording" or info.status != "active" or rec.started_at is None:
        return False
    if now - rec.started_at < timedelta(seconds=config["RECORDING_LOST_GRACE_SECONDS"]):
        return False
    return all(p.identity != rec.egress_id for p in livekit.list_participants(rec.room_id))


def _reconcile_one(rec: Recording, now, config) -> None:
    room = db.session.get(Room, rec.room_id)
    if rec.status == consent.AWAITING:  # no egress yet; its timeout job ends the wait
        if room is not None and room.status == "closed":
            fail(rec, "room_closed", "The room closed before everyone consented.", actor="reconcile")
        return
    if room is not None and room.status == "closed" and rec.status in ("starting", "recording"):
        stop_recording(rec, actor="reconcile")
    # A consented recording was asked to start when the last answer came, not at creation.
    since = consent.last_answer_at(rec) or rec.created_at
    if rec.egress_id is None:
        if now - since > timedelta(seconds=config["EGRESS_TIMEOUT"] * 2 + 30):
            fail(rec, "egress_unavailable", "No egress worker accepted the recording.", actor="reconcile")
        return
    info = egress.get(rec.egress_id)
    if info is None:
        fail(rec, "egress_lost", "LiveKit no longer knows this recording's egress.", actor="reconcile")
        return
    apply_egress(rec, info)
    if _recorder_gone(rec, info, now, config):
        fail(
            rec,
            "egress_lost",
            "The egress worker recording this room is gone (its recorder left the room); "
            "what was recorded could not be saved.",
            actor="reconcile",
        )
        return
    if rec.status == "starting" and now - since > timedelta(
        seconds=config["RECORDING_START_TIMEOUT_SECONDS"]
    ):
        # The page never signalled (nobody publishing, a broken page): egress would wait forever.
        egress.stop(rec.egress_id)
        fail(
            rec,
            "no_media",
            "The recording never started: nothing to record came from the room.",
            actor="reconcile",
        )
        return
    grace = timedelta(seconds=config["RECORDING_STOP_GRACE_SECONDS"])
    if (
        rec.status == "stopping"
        and rec.ended_at is None
        and rec.stop_requested_at
        and now - rec.stop_requested_at > grace
    ):
        fail(
            rec,
            "egress_unresponsive",
            f"The egress did not finish within {int(grace.total_seconds())} s of the stop.",
            actor="reconcile",
        )

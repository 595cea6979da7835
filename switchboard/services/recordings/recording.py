"""Recordings of a room: start, stop, list, read, delete, download links.

Starting and stopping are external effects (LiveKit Egress), so each goes through the job
table: the row and its job commit first, then the call is made at once. A start must answer
the caller (201, or 503 when no egress worker accepted), so it is made in the request; its job
only runs if that attempt never finished (the process died), and then fails the recording
rather than leave it `starting`. In a room with `recording_consent: required` the recording
waits in `awaiting_consent` instead (`consent`); once everyone accepted, the `recordings.start`
job makes the same start call (`run_start`).
"""

import logging
from datetime import timedelta

from flask import current_app

from switchboard.errors import ApiError, conflict, not_found, validation
from switchboard.extensions import db
from switchboard.livekit import egress
from switchboard.models import ACTIVE_RECORDING_STATUSES, Job, Recording, RecordingConsent, Room
from switchboard.models.base import new_id, utcnow
from switchboard.plumbing import audit
from switchboard.plumbing.outbox import enqueue, enqueue_and_attempt
from switchboard.plumbing.ownership import get_owned
from switchboard.plumbing.pagination import Page, paginate
from switchboard.services.recordings import consent, storage
from switchboard.services.recordings.settings import bucket_of, egress_target, required_settings
from switchboard.services.recordings.specs import RecordingCreate
from switchboard.services.recordings.transitions import apply_egress, fail

log = logging.getLogger(__name__)

EXTENSIONS = {"mp4": "mp4", "ogg": "ogg"}


def get_recording(project_id: str, recording_id: str) -> Recording:
    return get_owned(Recording, project_id, recording_id, noun="recording", param="recording_id")


def find_recording(recording_id: str) -> Recording:
    """Any project's recording (the admin sees every project); 404 when there is none."""
    rec = db.session.get(Recording, recording_id)
    if rec is None:
        raise not_found("recording", param="recording_id")
    return rec


def list_recordings(
    project_id: str, *, room_id: str | None, status: str | None, limit: int, cursor: str | None
) -> Page:
    """A page of the project's recordings, newest first, optionally of one room or status."""
    query = db.select(Recording).where(Recording.project_id == project_id)
    if room_id:
        query = query.where(Recording.room_id == room_id)
    if status:
        query = query.where(Recording.status == status)
    return paginate(query, Recording, limit=limit, cursor=cursor)


def latest_recording(room_id: str) -> Recording | None:
    """The room's active recording, else its most recent one."""
    return active_recording(room_id) or db.session.scalar(
        db.select(Recording)
        .where(Recording.room_id == room_id)
        .order_by(Recording.created_at.desc())
        .limit(1)
    )


def active_recording(room_id: str) -> Recording | None:
    return db.session.scalar(
        db.select(Recording).where(
            Recording.room_id == room_id, Recording.status.in_(ACTIVE_RECORDING_STATUSES)
        )
    )


def start_recording(room: Room, fields: RecordingCreate, *, actor: str = "api") -> Recording:
    """Create the recording and ask LiveKit Egress to start it (see the module docstring)."""
    if not room.has("recording"):
        raise conflict("This room was created without the `recording` capability.", code="capability_missing")
    if room.status == "closed":
        raise conflict("This room is closed.", code="room_closed")
    audio_only = fields.audio_only
    if fields.format == "ogg":
        if "audio_only" in fields.model_fields_set and not audio_only:
            raise validation(
                "'audio_only' must be true for format 'ogg' (Ogg holds audio only).", param="audio_only"
            )
        audio_only = True
    settings = required_settings(room.project_id)
    if room.status != "active":
        raise conflict(
            "Nobody has joined this room yet; start recording once the call has begun.",
            code="room_not_active",
        )
    # One active recording per room: the room row lock orders concurrent starts.
    db.session.scalar(db.select(Room).where(Room.id == room.id).with_for_update())
    if active_recording(room.id) is not None:
        raise conflict(
            "This room is already being recorded; stop that recording first.", code="recording_in_progress"
        )
    asked = consent.check_askable(room) if consent.required(room) else None
    rec_id = new_id("rec")
    key = f"{room.id}/{rec_id}.{EXTENSIONS[fields.format]}"
    rec = Recording(
        id=rec_id,
        project_id=room.project_id,
        room_id=room.id,
        status="starting" if asked is None else consent.AWAITING,
        layout=fields.layout,
        format=fields.format,
        audio_only=audio_only,
        bucket=settings.bucket,
        object_key=f"{settings.prefix}/{key}" if settings.prefix else key,
        created_at=utcnow(),
    )
    db.session.add(rec)
    audit.record(
        room.project_id,
        "recording.requested",
        actor=actor,
        room_id=room.id,
        detail={"recording_id": rec_id, "layout": rec.layout, "format": rec.format},
    )
    if asked is not None:  # no egress until everyone consents (`consent`)
        db.session.flush()
        consent.ask(rec, asked, actor=actor)
        db.session.commit()
        return rec
    wait = current_app.config["EGRESS_TIMEOUT"] + 30
    job = enqueue(
        "recordings.start_unanswered", {"recording_id": rec_id}, run_at=utcnow() + timedelta(seconds=wait)
    )
    db.session.commit()
    return _launch(rec_id, job.id, actor=actor)


def _launch(rec_id: str, job_id: str | None, *, actor: str) -> Recording:
    """Ask egress to start a committed `starting` recording and apply its answer; a refusal
    fails the recording (committed) and raises the error the caller should see."""
    rec = db.session.get(Recording, rec_id)
    target = egress_target(required_settings(rec.project_id))
    try:
        info = egress.start_room_composite(
            rec.room_id,
            layout=rec.layout,
            audio_only=rec.audio_only,
            file_format=rec.format,
            filepath=rec.object_key,
            s3=target,
        )
    except ApiError as err:
        rec = _locked(rec_id)
        _finish_job(job_id)
        if err.status == 503:
            fail(rec, "egress_unavailable", "No egress worker accepted the recording.", actor=actor)
            db.session.commit()
            raise ApiError(
                503,
                "No egress worker is available to record; the recording is failed. Try again shortly.",
                code="unavailable",
            ) from None
        if getattr(err, "twirp_code", None) == "not_found":
            fail(rec, "room_not_active", "The call had ended in LiveKit.", actor=actor)
            db.session.commit()
            raise conflict(
                "The call is not running in LiveKit; nothing to record.", code="room_not_active"
            ) from None
        fail(rec, "egress_error", f"LiveKit refused the recording: {err}", actor=actor)
        db.session.commit()
        raise
    rec = _locked(rec_id)
    _finish_job(job_id)
    rec.egress_id = info.egress_id
    apply_egress(rec, info)
    if rec.stop_requested_at is not None and rec.active:
        _stop_soon(rec)
    db.session.flush()
    return rec


def _locked(rec_id: str) -> Recording:
    return db.session.scalar(db.select(Recording).where(Recording.id == rec_id).with_for_update())


def _finish_job(job_id: str | None) -> None:
    if job_id is None:
        return
    db.session.execute(db.update(Job).where(Job.id == job_id, Job.status == "queued").values(status="done"))


def run_start_unanswered(recording_id: str) -> None:
    """The start attempt never finished (its process died): fail rather than stay `starting`."""
    rec = _locked(recording_id)
    if rec is not None and rec.status == "starting" and rec.egress_id is None:
        fail(rec, "egress_start_interrupted", "The start of the recording was interrupted; start it again.")
    db.session.commit()


def run_start(recording_id: str) -> None:
    """Everyone consented (`consent.answer`): start the egress. A refusal fails the recording."""
    rec = _locked(recording_id)
    if rec is None or rec.status != "starting" or rec.egress_id is not None:
        db.session.commit()
        return
    db.session.commit()
    try:
        _launch(recording_id, None, actor="consent")
    except ApiError as err:
        log.info("consented recording %s did not start: %s", recording_id, err.code)
    db.session.commit()


def stop_recording(rec: Recording, *, actor: str = "api") -> Recording:
    """Ask egress to stop (idempotent): `stopping` now, `completed` once the file is verified.
    A recording still awaiting consent never started: it fails with `consent_cancelled`."""
    if rec.status == consent.AWAITING:
        fail(
            rec,
            "consent_cancelled",
            "The recording was stopped before everyone consented; nothing was recorded.",
            actor=actor,
        )
        return rec
    if rec.status not in ("starting", "recording"):
        return rec
    rec.status = "stopping"
    rec.stop_requested_at = utcnow()
    db.session.flush()
    audit.record(
        rec.project_id, "recording.stopped", actor=actor, room_id=rec.room_id, detail={"recording_id": rec.id}
    )
    if rec.egress_id:
        _stop_soon(rec)
    return rec


def _stop_soon(rec: Recording) -> None:
    egress_id = rec.egress_id
    enqueue_and_attempt("recordings.stop", {"recording_id": rec.id}, lambda: egress.stop(egress_id))


def run_stop(recording_id: str) -> None:
    rec = db.session.get(Recording, recording_id)
    if rec is not None and rec.egress_id and rec.active:
        egress.stop(rec.egress_id)


def stop_room_recordings(room: Room, *, actor: str) -> int:
    """Stop the room's active recording (closing a room); they finalize to `completed`."""
    rec = active_recording(room.id)
    if rec is None:
        return 0
    if rec.status == consent.AWAITING:
        fail(
            rec,
            "room_closed",
            "The room closed before everyone consented; nothing was recorded.",
            actor=actor,
        )
        return 1
    stop_recording(rec, actor=actor)
    return 1


def delete_recording(rec: Recording, *, actor: str = "api") -> None:
    """Delete the object from the bucket, then the pointer; 409 while the recording is active."""
    if rec.active:
        raise conflict("This recording is still running; stop it first.", code="recording_active")
    settings = required_settings(rec.project_id)
    try:
        storage.delete(bucket_of(settings), rec.object_key)
    except storage.StorageError as err:
        raise ApiError(
            502, f"Could not delete the recording from the bucket: {err}", code="storage_error"
        ) from None
    audit.record(
        rec.project_id, "recording.deleted", actor=actor, room_id=rec.room_id, detail={"recording_id": rec.id}
    )
    db.session.execute(db.delete(RecordingConsent).where(RecordingConsent.recording_id == rec.id))
    db.session.delete(rec)
    db.session.flush()


def download_url(rec: Recording, expires_in: int, *, actor: str = "api") -> tuple[str, object]:
    """A presigned GET for a completed recording (audited every time)."""
    if rec.status != "completed":
        raise conflict("Only a completed recording can be downloaded.", code="recording_not_completed")
    settings = required_settings(rec.project_id)
    url = storage.presigned_get(bucket_of(settings), rec.object_key, expires_in)
    audit.record(
        rec.project_id,
        "recording.download_url",
        actor=actor,
        room_id=rec.room_id,
        detail={"recording_id": rec.id, "expires_in": expires_in},
    )
    return url, utcnow() + timedelta(seconds=expires_in)

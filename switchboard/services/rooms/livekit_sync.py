"""Bringing LiveKit in line with a room change that Switchboard already committed.

Closing a room or changing a live room's metadata must not depend on LiveKit being up:
the change commits in our database together with a job (`livekit.delete_room`,
`livekit.update_room`), and right after the commit we try the call once. If that works the
job is marked done; if not, the worker retries it and reconciliation catches the rest.
"""

import logging

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import Job, Room
from switchboard.models.base import utcnow
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.transactions import after_commit

log = logging.getLogger(__name__)


def delete_room_soon(room: Room) -> None:
    """Delete the LiveKit room (disconnecting everyone) once this transaction commits."""
    room_id = room.id
    _soon("livekit.delete_room", {"room_id": room_id}, lambda: livekit.delete_room(room_id))


def update_room_soon(room: Room) -> None:
    """Push the room's metadata to its live LiveKit room once this transaction commits."""
    room_id, metadata = room.id, livekit.metadata_string(room.metadata_)
    _soon(
        "livekit.update_room", {"room_id": room_id}, lambda: livekit.update_room_metadata(room_id, metadata)
    )


def _soon(kind: str, payload: dict, call) -> None:
    job = enqueue(kind, payload)
    db.session.flush()
    job_id = job.id
    # `call` must not touch the session: it runs from the session's after-commit hook.
    after_commit(lambda: _attempt_now(job_id, kind, call))


def _attempt_now(job_id: str, kind: str, call) -> None:
    try:
        call()
    except ApiError as err:
        log.info("%s deferred to the job worker: %s", kind, err.code)
        return
    except Exception as exc:  # never let a best-effort call fail a committed request
        log.warning("%s deferred to the job worker: %s", kind, type(exc).__name__)
        return
    # A fresh connection: the request's session has just committed and is closing.
    with db.engine.begin() as conn:
        conn.execute(
            db.update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="done", updated_at=utcnow())
        )


def run_delete_room(room_id: str) -> None:
    """Delete the LiveKit room of a closed room (a missing room counts as done)."""
    livekit.delete_room(room_id)


def run_update_room(room_id: str) -> None:
    """Send the room's current metadata to LiveKit if the room is live there."""
    room = db.session.get(Room, room_id)
    if room is None or room.status == "closed":
        return
    livekit.update_room_metadata(room.id, livekit.metadata_string(room.metadata_))

"""Bringing LiveKit in line with a room change that Switchboard already committed.

Closing a room or changing a live room's metadata must not depend on LiveKit being up:
the change commits in our database together with a job (`livekit.delete_room`,
`livekit.update_room`), and right after the commit we try the call once. If that works the
job is marked done; if not, the worker retries it and reconciliation catches the rest.
"""

from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import Room
from switchboard.plumbing.outbox import enqueue_and_attempt


def delete_room_soon(room: Room) -> None:
    """Delete the LiveKit room (disconnecting everyone) once this transaction commits."""
    room_id = room.id
    enqueue_and_attempt("livekit.delete_room", {"room_id": room_id}, lambda: livekit.delete_room(room_id))


def update_room_soon(room: Room) -> None:
    """Push the room's metadata to its live LiveKit room once this transaction commits."""
    room_id, metadata = room.id, livekit.metadata_string(room.metadata_)
    enqueue_and_attempt(
        "livekit.update_room", {"room_id": room_id}, lambda: livekit.update_room_metadata(room_id, metadata)
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

"""Visit-control jobs: rooms that end at `ends_at`, tokens that eject their holder at expiry.

Both are queued with `run_at` at the moment they are due; the worker polls every
WORKER_POLL_SECONDS (0.5 s), so they run well within 5 s of it.
"""

from switchboard.services import rooms


def end_room(payload: dict) -> None:
    """Close the room if it still ends at this time (a changed `ends_at` queued a new job)."""
    rooms.end_if_due(payload["room_id"], payload["ends_at"])


def eject(payload: dict) -> None:
    """Revoke the expired token and disconnect whoever holds it."""
    rooms.eject_token(payload["token_id"])


TASKS = {"rooms.end": end_room, "tokens.eject": eject}

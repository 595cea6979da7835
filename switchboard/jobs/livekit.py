"""LiveKit jobs: follow-ups of committed room changes, and periodic reconciliation.

Each task runs inside the worker's app context and commits its own work. They are
idempotent: a retry after a partial failure does no harm.
"""

from switchboard.jobs.registry import Periodic
from switchboard.services import rooms
from switchboard.services.rooms import livekit_sync

RECONCILE_EVERY_SECONDS = 60


def delete_room(payload: dict) -> None:
    """Delete the LiveKit room of a closed room (everyone disconnected)."""
    livekit_sync.run_delete_room(payload["room_id"])


def update_room(payload: dict) -> None:
    """Push a live room's current metadata to LiveKit."""
    livekit_sync.run_update_room(payload["room_id"])


def reconcile_room(payload: dict) -> None:
    """Repair one room against LiveKit (e.g. a refused participant we could not kick at once)."""
    rooms.reconcile_one(payload["room_id"])


def reconcile(payload: dict) -> None:
    """Repair every room against LiveKit (periodically, and whenever a worker starts)."""
    rooms.reconcile()


TASKS = {
    "livekit.delete_room": delete_room,
    "livekit.update_room": update_room,
    "livekit.reconcile_room": reconcile_room,
    "livekit.reconcile": reconcile,
}
PERIODIC = [
    Periodic("livekit.reconcile", every_seconds=RECONCILE_EVERY_SECONDS, setting="RECONCILE_EVERY_SECONDS")
]
# Webhooks may have been lost while no worker ran: reconcile as soon as one starts. If LiveKit
# is unreachable then, the job is retried with backoff like any other.
ON_START = ["livekit.reconcile"]

"""LiveKit jobs: follow-ups of committed room changes, and periodic reconciliation.

Each task runs inside the worker's app context and commits its own work. They are
idempotent: a retry after a partial failure does no harm.
"""

import logging

from switchboard.jobs.registry import ON_START, PERIODIC, Periodic, task
from switchboard.services import lifecycle, livekit_rooms

log = logging.getLogger(__name__)

RECONCILE_EVERY_SECONDS = 60


@task("livekit.delete_room")
def delete_room(payload: dict) -> None:
    """Delete the LiveKit room of a closed room (everyone disconnected)."""
    livekit_rooms.run_delete_room(payload)


@task("livekit.update_room")
def update_room(payload: dict) -> None:
    """Push a live room's current metadata to LiveKit."""
    livekit_rooms.run_update_room(payload)


@task("livekit.reconcile_room")
def reconcile_room(payload: dict) -> None:
    """Repair one room against LiveKit (e.g. a refused participant we could not kick at once)."""
    lifecycle.reconcile_one(payload["room_id"])


@task("livekit.reconcile")
def reconcile(payload: dict) -> None:
    """Repair every room against LiveKit (periodically, and whenever a worker starts)."""
    lifecycle.reconcile()


PERIODIC.append(Periodic("livekit.reconcile", every_seconds=RECONCILE_EVERY_SECONDS))
# Webhooks may have been lost while no worker ran: reconcile as soon as one starts. If LiveKit
# is unreachable then, the job is retried with backoff like any other.
ON_START.append("livekit.reconcile")

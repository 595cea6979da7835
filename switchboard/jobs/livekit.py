"""LiveKit jobs: follow-ups of committed room changes, and periodic reconciliation.

Each task runs inside the worker's app context and commits its own work. They are
idempotent: a retry after a partial failure does no harm.
"""

import logging

from switchboard.jobs.registry import PERIODIC, Periodic, task
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
    """Repair every room against LiveKit (periodic; `startup()` runs it once at worker start)."""
    lifecycle.reconcile()


PERIODIC.append(Periodic("livekit.reconcile", every_seconds=RECONCILE_EVERY_SECONDS))


def startup() -> dict | None:
    """Reconcile once when the worker starts (webhooks may have been lost while it was down).

    LiveKit being unreachable at start-up is not fatal: the periodic job retries. Commits.
    """
    from switchboard.errors import ApiError

    try:
        return lifecycle.reconcile()
    except ApiError as err:
        log.warning("start-up reconciliation skipped: %s", err.code)
        return None

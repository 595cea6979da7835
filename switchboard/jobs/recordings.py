"""Recording jobs: stopping egress after commit, checking finished files, reconciliation."""

from switchboard.jobs.registry import Periodic
from switchboard.services import recordings


def stop(payload: dict) -> None:
    """Ask egress to stop a recording (retried while LiveKit cannot be reached)."""
    recordings.run_stop(payload["recording_id"])


def finalize(payload: dict) -> None:
    """Verify a finished file's KMS encryption (repairing it), then complete the recording."""
    recordings.finalize(payload["recording_id"])


def start_unanswered(payload: dict) -> None:
    """A start whose request never finished: fail the recording rather than leave it starting."""
    recordings.run_start_unanswered(payload["recording_id"])


def reconcile(payload: dict) -> None:
    """Compare active recordings with LiveKit's ListEgress and repair ours."""
    recordings.reconcile()


TASKS = {
    "recordings.stop": stop,
    "recordings.finalize": finalize,
    "recordings.start_unanswered": start_unanswered,
    "recordings.reconcile": reconcile,
}


PERIODIC = [Periodic("recordings.reconcile", every_seconds=15)]
ON_START = ["recordings.reconcile"]

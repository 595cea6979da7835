"""Recording jobs: starting consented recordings, consent timeouts, stopping egress after
commit, checking finished files, reconciliation."""

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


def start(payload: dict) -> None:
    """Everyone consented: ask egress to start the recording."""
    recordings.run_start(payload["recording_id"])


def consent_timeout(payload: dict) -> None:
    """Fail a recording still awaiting consent when its time is up (`consent_timeout`)."""
    recordings.run_consent_timeout(payload["recording_id"])


def reconcile(payload: dict) -> None:
    """Compare active recordings with LiveKit's ListEgress and repair ours."""
    recordings.reconcile()


TASKS = {
    "recordings.stop": stop,
    "recordings.finalize": finalize,
    "recordings.start_unanswered": start_unanswered,
    "recordings.start": start,
    "recordings.consent_timeout": consent_timeout,
    "recordings.reconcile": reconcile,
}


PERIODIC = [Periodic("recordings.reconcile", every_seconds=15)]
ON_START = ["recordings.reconcile"]

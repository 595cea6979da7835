"""Retention jobs: the periodic purge of what projects' policies no longer keep, and the
deletion of each expired recording (object, then pointer) it queues."""

from switchboard.jobs.registry import Periodic
from switchboard.services import retention


def purge(payload: dict) -> None:
    """Purge every project with a retention policy (each batch commits on its own)."""
    retention.purge_all()


def delete_recording(payload: dict) -> None:
    """Delete an expired recording from the customer's bucket, then its pointer; retried with
    backoff while the bucket cannot be reached."""
    retention.delete_expired_recording(payload["recording_id"])


TASKS = {"retention.purge": purge, retention.DELETE_RECORDING: delete_recording}
# One slot per period under the job table's unique key: exactly one worker of the deployment
# runs each purge, however many are running.
PERIODIC = [Periodic("retention.purge", every_seconds=86400, setting="RETENTION_PURGE_EVERY_SECONDS")]

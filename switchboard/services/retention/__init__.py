"""Retention: how long a project keeps chat, sessions, recordings and webhook deliveries, and
the purge that erases what has outlived its policy.

- `policy`: read and replace a project's policy (`specs.RetentionPut`), audited;
- `purge`: erase, in committed batches, what the policy no longer keeps (closed rooms only;
  recordings through the recording delete path on the job table). The audit log is kept.
"""

from switchboard.extensions import db
from switchboard.models import Recording
from switchboard.services import recordings
from switchboard.services.retention.policy import as_dict, get_policy, policies, put_policy
from switchboard.services.retention.purge import DELETE_RECORDING, purge_project
from switchboard.services.retention.specs import MAX_DAYS, MIN_DAYS, RetentionPut


def purge_all(*, actor: str = "retention", project_id: str | None = None) -> dict[str, dict]:
    """Run the purge for every project with a policy (or just `project_id`); counts by project."""
    results = {}
    for policy in policies():
        if project_id is None or policy.project_id == project_id:
            results[policy.project_id] = purge_project(policy, actor=actor)
    return results


def delete_expired_recording(recording_id: str) -> None:
    """The job the purge queues: the recording's object, then its pointer (gone already: done)."""
    rec = db.session.get(Recording, recording_id)
    if rec is None:
        return
    recordings.delete_recording(rec, actor="retention")


__all__ = [
    "DELETE_RECORDING",
    "MAX_DAYS",
    "MIN_DAYS",
    "RetentionPut",
    "as_dict",
    "delete_expired_recording",
    "get_policy",
    "purge_all",
    "purge_project",
    "put_policy",
]

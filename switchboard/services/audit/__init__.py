"""The audit log, read back: a project's entries newest first, filtered by room and action.

Entries are written by `plumbing.audit.record` inside the transaction of what they describe;
identities appear only as HMAC hashes, `detail` only as ids, counts and reasons.
"""

from switchboard.extensions import db
from switchboard.models import AuditEntry
from switchboard.plumbing.pagination import Page, paginate

# Every action the log records, for filters (the column holds no others).
ACTIONS = (
    "room.created",
    "room.updated",
    "room.closed",
    "room.purged",
    "session.started",
    "token.created",
    "participant.joined",
    "participant.refused",
    "participant.removed",
    "retention.updated",
    "retention.purged",
)

__all__ = ["ACTIONS", "list_events"]


def list_events(
    project_id: str | None,
    *,
    room_id: str | None = None,
    action: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page:
    """One page of audit entries, newest first. `project_id=None` is every project (admin)."""
    query = db.select(AuditEntry)
    if project_id is not None:
        query = query.where(AuditEntry.project_id == project_id)
    if room_id:
        query = query.where(AuditEntry.room_id == room_id)
    if action:
        query = query.where(AuditEntry.action == action)
    return paginate(query, AuditEntry, limit=limit, cursor=cursor)

"""The audit log of room, token and participant actions.

Identities are recorded only as HMAC-SHA256 under IDENTITY_HASH_KEY (`hash_identity`), and
`detail` carries ids, counts and reasons: never an identity, a name, metadata or a token.
"""

from switchboard.extensions import db
from switchboard.models import AuditEntry
from switchboard.plumbing.identities import hash_identity

# Keys `detail` may carry; anything else is dropped so nothing sensitive slips in by accident.
SAFE_DETAIL_KEYS = frozenset(
    {
        "token_id",
        "role",
        "ttl_seconds",
        "session_id",
        "reason",
        "fields",
        "revoked",
        "erased",
        # retention: the policy in days per kind
        "policy",
        "sid",
        # recordings: ids, the bucket name, states and sizes (never credentials or URLs)
        "recording_id",
        "egress_id",
        "bucket",
        "status",
        "layout",
        "format",
        "expires_in",
        "size_bytes",
        "repaired",
    }
)


def record(
    project_id: str,
    action: str,
    *,
    actor: str = "api",
    room_id: str | None = None,
    identity: str | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    entry = AuditEntry(
        project_id=project_id,
        action=action,
        actor=actor,
        room_id=room_id,
        identity_hash=hash_identity(identity) if identity is not None else None,
        detail={k: v for k, v in (detail or {}).items() if k in SAFE_DETAIL_KEYS},
    )
    db.session.add(entry)
    return entry


def list_for_room(room_id: str) -> list[AuditEntry]:
    """A room's audit trail, oldest first."""
    return list(
        db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.room_id == room_id).order_by(AuditEntry.created_at)
        )
    )

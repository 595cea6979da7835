"""The audit log: who did what to which room. Identities only as HMAC hashes; no metadata."""

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_project_created", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("aud"))
    # No foreign keys: the log outlives what it describes (purged participants, erased rooms).
    project_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(32))
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    identity_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Ids, counts and reasons only; never identities, names, metadata or tokens.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)

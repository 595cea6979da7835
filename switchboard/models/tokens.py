"""Join tokens Switchboard minted: kept so they can be revoked (LiveKit itself cannot)."""

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class JoinToken(db.Model):
    __tablename__ = "join_tokens"
    __table_args__ = (Index("ix_join_tokens_room_identity", "room_id", "identity_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("tok"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    # Identities are stored only as HMAC(IDENTITY_HASH_KEY, identity): enough to revoke
    # "every token of this identity in this room" without keeping who it was.
    identity_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    grant: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)

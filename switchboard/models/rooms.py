"""Rooms: the container a call and its chat live in."""

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow

ROOM_STATUSES = ("idle", "active", "closed")
CAPABILITIES = ("video", "audio", "chat", "recording")
RECORDING_CONSENT_MODES = ("notice", "required")


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (Index("ix_rooms_project_created", "project_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rm"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="idle", index=True)
    capabilities: Mapped[list] = mapped_column(JSON)
    max_participants: Mapped[int] = mapped_column(Integer)
    empty_timeout: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(64))
    # `metadata` is taken by SQLAlchemy's declarative base, hence the trailing underscore.
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    roles: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Visit controls: non-hosts wait to be admitted; the room closes itself at `ends_at`;
    # `required` asks everyone's consent before a recording starts.
    waiting_room: Mapped[bool] = mapped_column(Boolean, default=False)
    ends_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    recording_consent: Mapped[str] = mapped_column(String(16), default="notice")
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)

    def has(self, capability: str) -> bool:
        return capability in (self.capabilities or [])

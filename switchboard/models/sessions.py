"""Sessions (`ses_…`): one active period of a room, i.e. one LiveKit room instance."""

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class Session(db.Model):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_room_created", "room_id", "created_at", "id"),
        Index("ix_sessions_project_created", "project_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("ses"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    # The LiveKit room sid of this period; a LiveKit restart starts a new session.
    livekit_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)

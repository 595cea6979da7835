"""Customer-facing events (`evt_…`): the outbox the webhook deliveries are made from."""

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow

EVENT_TYPES = (
    "room.created",
    "room.started",
    "room.closed",
    "participant.joined",
    "participant.left",
    "participant.removed",
    "participant.waiting",
    "participant.admitted",
    "participant.denied",
    "message.created",
    "recording.started",
    "recording.completed",
    "recording.failed",
)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_project_created", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("evt"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)

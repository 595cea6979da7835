"""Participants: one row per LiveKit connection (its sid), which is also the session time log."""

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow

PARTICIPANT_STATES = ("active", "disconnected")


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("room_id", "sid", name="uq_participants_room_sid"),
        Index("ix_participants_room_state", "room_id", "state"),
        Index("ix_participants_session", "session_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("par"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    sid: Mapped[str] = mapped_column(String(64))
    # The roster and session history must show who it was; purge erases these rows.
    identity: Mapped[str] = mapped_column(String(128))
    identity_hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    token_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="active")
    joined_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    left_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    # left | removed | room_closed | reconciled
    left_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)

    tracks = relationship(
        "ParticipantTrack", cascade="all, delete-orphan", order_by="ParticipantTrack.published_at"
    )


class ParticipantTrack(db.Model):
    __tablename__ = "participant_tracks"
    __table_args__ = (UniqueConstraint("participant_id", "sid", name="uq_participant_tracks_sid"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("trk"))
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    unpublished_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)

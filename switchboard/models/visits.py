"""The waiting room: who waits to be admitted to a room, and what was decided."""

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow

WAITING_STATUSES = ("waiting", "admitted", "denied")


class WaitingEntry(db.Model):
    """One identity's place in a room's waiting room (one row per identity and room).

    `waiting` while they wait (connected by LiveKit or chat socket); `admitted` once a host let
    them in (a rejoin with the same token is admitted again at once); `denied` when a host
    turned them away (their tokens are revoked)."""

    __tablename__ = "waiting_entries"
    __table_args__ = (UniqueConstraint("room_id", "identity_hash", name="uq_waiting_entries_room_identity"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("wait"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    # The host needs to see who is waiting; purge erases these rows with the room's roster.
    identity: Mapped[str] = mapped_column(String(128))
    identity_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    token_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The LiveKit connection waiting (None while only the chat socket waits).
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    waiting_since: Mapped[object] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    # What the host told them when denying (shown on their page; never logged or sent in events).
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)

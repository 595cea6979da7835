"""Chat: stored messages with a gap-free per-room sequence, and who is connected by socket."""

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class ChatMessage(db.Model):
    """One chat message (`msg_…`). `seq` orders a room's messages: 1, 2, 3 … with no gaps."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
        Index("ix_chat_messages_project_sent", "project_id", "sent_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("msg"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    seq: Mapped[int] = mapped_column(Integer)
    sender_identity: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[object] = mapped_column(DateTime, default=utcnow)


class ChatSequence(db.Model):
    """The last `seq` handed out in a room. Incremented in the transaction that stores the
    message, so the row lock serialises writers and a rollback gives the number back."""

    __tablename__ = "chat_sequences"

    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class ChatPresence(db.Model):
    """One open chat socket. Rows are refreshed by a heartbeat and deleted on disconnect;
    a row whose heartbeat stopped (a crashed process) is stale and ignored, then purged."""

    __tablename__ = "chat_presence"
    __table_args__ = (Index("ix_chat_presence_room", "room_id", "identity"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cx"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    identity: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    token_id: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[object] = mapped_column(DateTime, default=utcnow, index=True)

"""A project's retention policy: how many days each kind of per-visit record is kept."""

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import utcnow

# The kinds of record a policy governs, in the order the purge erases them. A value of None
# (the default) keeps that kind forever. The audit log is not among them: it is kept.
RETENTION_KINDS = ("chat_messages", "sessions", "recordings", "webhook_deliveries")


class RetentionPolicy(db.Model):
    __tablename__ = "retention_policies"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    chat_messages_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sessions_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recordings_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    webhook_deliveries_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def days(self, kind: str) -> int | None:
        return getattr(self, f"{kind}_days")

"""Projects own everything; API keys authenticate as a project."""

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("proj"))
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)

    api_keys = relationship("ApiKey", back_populates="project")


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("key"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    # SHA-256 of the whole secret. Keys are 190+ bits of randomness, so a fast hash is safe
    # here and keeps the per-request lookup to one indexed read.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, kept to tell keys apart in the admin ("sk_live_3wir…").
    prefix: Mapped[str] = mapped_column(String(16))
    livemode: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)

    project = relationship("Project", back_populates="api_keys")

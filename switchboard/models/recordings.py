"""Recordings: a project's S3 destination (`recording_settings`) and each composite egress
of a room (`rec_…`). Only a pointer to the object and facts about it are kept, never media."""

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow

RECORDING_STATUSES = ("awaiting_consent", "starting", "recording", "stopping", "completed", "failed")
ACTIVE_RECORDING_STATUSES = ("awaiting_consent", "starting", "recording", "stopping")
RECORDING_LAYOUTS = ("grid", "speaker", "single")
RECORDING_FORMATS = ("mp4", "ogg")


class RecordingSettings(db.Model):
    __tablename__ = "recording_settings"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(63))
    region: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(512), default="")
    endpoint: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    force_path_style: Mapped[bool] = mapped_column(Boolean, default=False)
    access_key_id: Mapped[str] = mapped_column(String(128))
    # Fernet token of the secret access key (RECORDING_SECRETS_KEY); never returned or logged.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    kms_key_id: Mapped[str] = mapped_column(String(2048))
    verified_at: Mapped[object] = mapped_column(DateTime)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Recording(db.Model):
    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_project_created", "project_id", "created_at", "id"),
        Index("ix_recordings_room_status", "room_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rec"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    status: Mapped[str] = mapped_column(String(16), default="starting", index=True)
    layout: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    audio_only: Mapped[bool] = mapped_column(Boolean, default=False)
    bucket: Mapped[str] = mapped_column(String(63))
    object_key: Mapped[str] = mapped_column(String(1024))
    egress_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    started_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    ended_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    stop_requested_at: Mapped[object | None] = mapped_column(DateTime, nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_RECORDING_STATUSES


class RecordingConsent(db.Model):
    """The consent ledger: one row per person asked before a `required`-consent recording.

    Rows are written when the recording is requested (`accepted` and `at` empty) and answered
    once over the chat socket. The caller of the API must see who consented, so the identity is
    kept as given (like the roster; purge erases these rows); the audit log holds its HMAC."""

    __tablename__ = "recording_consents"
    __table_args__ = (
        UniqueConstraint("recording_id", "identity_hash", name="uq_recording_consents_recording_identity"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cns"))
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    identity: Mapped[str] = mapped_column(String(128))
    identity_hash: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    at: Mapped[object | None] = mapped_column(DateTime, nullable=True)

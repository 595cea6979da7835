"""Recording and recording-settings response bodies."""

from typing import Literal

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat
from switchboard.services import recordings


class S3SettingsOut(ResponseModel):
    bucket: str
    region: str
    prefix: str
    endpoint: str | None
    force_path_style: bool
    access_key_id: str
    kms_key_id: str


class RecordingSettingsOut(ResponseModel):
    s3: S3SettingsOut = Field(description="The destination, without the secret (never returned).")
    verified_at: Timestamp = Field(description="When the test write last proved aws:kms under kms_key_id.")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def build(cls, item) -> "RecordingSettingsOut":
        return cls(
            s3=S3SettingsOut(
                bucket=item.bucket,
                region=item.region,
                prefix=item.prefix,
                endpoint=item.endpoint,
                force_path_style=item.force_path_style,
                access_key_id=item.access_key_id,
                kms_key_id=item.kms_key_id,
            ),
            verified_at=isoformat(item.verified_at),
            created_at=isoformat(item.created_at),
            updated_at=isoformat(item.updated_at or item.created_at),
        )


class RecordingError(ResponseModel):
    code: str = Field(
        examples=["egress_unavailable"],
        description="egress_unavailable, egress_error, egress_failed, egress_lost, egress_unresponsive, "
        "egress_start_interrupted, room_not_active, no_media, upload_failed or encryption_failed; "
        "before egress, with `recording_consent: required`: consent_declined, consent_timeout, "
        "consent_cancelled (stopped while awaiting consent) or room_closed.",
    )
    message: str


class RecordingOut(ResponseModel):
    id: str = Field(examples=["rec_8Xk2p9QwZ"])
    room_id: str
    status: Literal["awaiting_consent", "starting", "recording", "stopping", "completed", "failed"] = Field(
        description="`awaiting_consent` (rooms with `recording_consent: required`, no egress yet), "
        "then `starting`, `recording`, `stopping`, and `completed` or `failed`."
    )
    layout: Literal["grid", "speaker", "single"]
    format: Literal["mp4", "ogg"]
    audio_only: bool
    destination: str = Field(examples=["s3://clinic-recordings/visits/rm_3kT9/rec_8Xk2.mp4"])
    started_at: Timestamp | None = Field(description="When media started being recorded.")
    ended_at: Timestamp | None
    size_bytes: int | None
    duration_seconds: float | None
    error: RecordingError | None
    created_at: Timestamp

    @classmethod
    def build(cls, item) -> "RecordingOut":
        return cls(**recordings.as_dict(item))


class DownloadUrlOut(ResponseModel):
    url: str = Field(description="A presigned S3 GET URL.")
    expires_at: Timestamp


class ConsentOut(ResponseModel):
    identity: str = Field(examples=["patient-9182"], description="The participant who was asked.")
    accepted: bool | None = Field(description="Their answer; null while they have not answered.")
    at: Timestamp | None = Field(description="When they answered; null while they have not.")

    @classmethod
    def build(cls, item) -> "ConsentOut":
        return cls(identity=item.identity, accepted=item.accepted, at=isoformat(item.at))

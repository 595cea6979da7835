"""What recording settings and starting a recording accept."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from switchboard.models import RECORDING_FORMATS, RECORDING_LAYOUTS
from switchboard.plumbing.validation import RequestModel


def _no_control(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _endpoint(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _prefix(value: str) -> str:
    return value.strip("/")


Text = Annotated[str, StringConstraints(min_length=1, max_length=256), AfterValidator(_no_control)]


class S3Settings(RequestModel):
    bucket: Annotated[
        str,
        StringConstraints(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.\-]*[a-z0-9]$"),
        Field(description="The bucket recordings are written to.", examples=["clinic-recordings"]),
    ]
    region: Annotated[Text, Field(description="The bucket's region.", examples=["us-east-1"])]
    prefix: Annotated[
        str,
        StringConstraints(max_length=512),
        AfterValidator(_no_control),
        AfterValidator(_prefix),
        Field(description="Key prefix; objects go to `<prefix>/<room_id>/<rec_id>.<ext>`."),
    ] = ""
    endpoint: Annotated[
        str | None,
        StringConstraints(max_length=2048),
        AfterValidator(lambda v: _endpoint(v) if v else v),
        Field(description="An S3-compatible endpoint URL; omit for AWS."),
    ] = None
    force_path_style: Annotated[
        bool, Field(description="Path-style addressing (most S3-compatible servers).")
    ] = False
    access_key_id: Annotated[
        Text, Field(description="Access key of an IAM user or role for Switchboard and egress.")
    ]
    secret_access_key: Annotated[
        Text, Field(description="Its secret: stored encrypted, never returned or logged.")
    ]
    kms_key_id: Annotated[
        Text,
        Field(
            description="The KMS key the bucket's default encryption uses (key id or ARN).",
            examples=["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        ),
    ]


class RecordingSettingsPut(RequestModel):
    s3: S3Settings


class RecordingCreate(RequestModel):
    layout: Annotated[
        Literal[RECORDING_LAYOUTS],  # type: ignore[valid-type]
        Field(description="grid (everyone), speaker (active speaker large) or single (one person)."),
    ] = "grid"
    format: Annotated[Literal[RECORDING_FORMATS], Field(description="mp4 (H.264 + Opus) or ogg (audio).")] = (
        "mp4"  # type: ignore[valid-type]
    )
    audio_only: Annotated[bool, Field(description="Record sound only.")] = False

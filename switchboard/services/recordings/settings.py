"""A project's recording destination: verified with a real test write before it is stored."""

import time

from switchboard.errors import ApiError, conflict, not_found
from switchboard.extensions import db
from switchboard.livekit.egress import S3Target
from switchboard.models import RecordingSettings
from switchboard.models.base import utcnow
from switchboard.plumbing import audit
from switchboard.services.recordings import sealing, storage
from switchboard.services.recordings.specs import RecordingSettingsPut, S3Settings


def find_settings(project_id: str) -> RecordingSettings | None:
    return db.session.get(RecordingSettings, project_id)


def get_settings(project_id: str) -> RecordingSettings:
    """The project's settings; 404 when none are configured."""
    settings = find_settings(project_id)
    if settings is None:
        raise not_found("recording settings")
    return settings


def required_settings(project_id: str) -> RecordingSettings:
    """The project's settings; 409 `recording_settings_missing` when none are configured."""
    settings = find_settings(project_id)
    if settings is None:
        raise conflict(
            "This project has no recording settings: PUT /api/v1/recording_settings first.",
            code="recording_settings_missing",
        )
    return settings


def put_settings(project_id: str, fields: RecordingSettingsPut, *, actor: str = "api") -> RecordingSettings:
    """Check the bucket with a test write (aws:kms under `kms_key_id`), then store the
    settings with the secret sealed. A failed check is a 422 and stores nothing."""
    s3 = fields.s3
    target = storage.Bucket(
        bucket=s3.bucket,
        region=s3.region,
        access_key_id=s3.access_key_id,
        secret_access_key=s3.secret_access_key,
        kms_key_id=s3.kms_key_id,
        endpoint=s3.endpoint,
        force_path_style=s3.force_path_style,
    )
    try:
        storage.verify_bucket(target)
    except storage.StorageError as err:
        audit.record(project_id, "recording_settings.rejected", actor=actor, detail={"reason": err.code})
        db.session.commit()  # the refusal is audited; the settings are not stored
        raise ApiError(422, str(err), code=err.code, param="s3") from None
    settings = find_settings(project_id) or RecordingSettings(project_id=project_id, created_at=utcnow())
    settings.bucket = s3.bucket
    settings.region = s3.region
    settings.prefix = s3.prefix
    settings.endpoint = s3.endpoint
    settings.force_path_style = s3.force_path_style
    settings.access_key_id = s3.access_key_id
    settings.secret_encrypted = sealing.seal(s3.secret_access_key)
    settings.kms_key_id = s3.kms_key_id
    settings.verified_at = utcnow()
    db.session.add(settings)
    db.session.flush()
    audit.record(project_id, "recording_settings.updated", actor=actor, detail={"bucket": s3.bucket})
    return settings


def delete_settings(project_id: str, *, actor: str = "api") -> RecordingSettings:
    settings = get_settings(project_id)
    db.session.delete(settings)
    db.session.flush()
    audit.record(project_id, "recording_settings.deleted", actor=actor, detail={"bucket": settings.bucket})
    return settings


def bucket_of(settings: RecordingSettings) -> storage.Bucket:
    """The settings as boto3 uses them (secret unsealed; keep it in memory only)."""
    return storage.Bucket(
        bucket=settings.bucket,
        region=settings.region,
        access_key_id=settings.access_key_id,
        secret_access_key=sealing.unseal(settings.secret_encrypted),
        kms_key_id=settings.kms_key_id,
        endpoint=settings.endpoint,
        force_path_style=settings.force_path_style,
    )


def egress_target(settings: RecordingSettings) -> S3Target:
    """The settings as egress uploads with them."""
    bucket = bucket_of(settings)
    return S3Target(
        bucket=bucket.bucket,
        region=bucket.region,
        access_key_id=bucket.access_key_id,
        secret_access_key=bucket.secret_access_key,
        endpoint=bucket.endpoint,
        force_path_style=bucket.force_path_style,
    )


def dev_bucket(project_id: str, *, endpoint: str, bucket: str, attempts: int = 60) -> str:
    """Development (`make run`): a bucket with default KMS encryption on a local S3 server
    (waiting for it to come up) stored as the project's settings. Returns the KMS key id."""
    target = storage.Bucket(
        bucket=bucket,
        region="us-east-1",
        access_key_id="dev",
        secret_access_key="dev",
        kms_key_id="",
        endpoint=endpoint,
        force_path_style=True,
    )
    for attempt in range(attempts):
        try:
            key_id = storage.ensure_kms_bucket(target)
            break
        except Exception:  # noqa: BLE001  (the server is still starting)
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    s3 = S3Settings(
        bucket=bucket,
        region="us-east-1",
        endpoint=endpoint,
        force_path_style=True,
        access_key_id="dev",
        secret_access_key="dev",
        kms_key_id=key_id,
    )
    put_settings(project_id, RecordingSettingsPut(s3=s3), actor="cli")
    return key_id

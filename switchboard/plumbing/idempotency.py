"""Idempotency keys: a POST repeated with the same key and body replays the first answer."""

import hashlib
from datetime import timedelta

from flask import current_app

from switchboard.extensions import db
from switchboard.models import IdempotencyKey
from switchboard.models.base import utcnow


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find(project_id: str, key: str) -> IdempotencyKey | None:
    """The live record for `key`; an expired one is deleted and reads as absent."""
    record = db.session.scalar(
        db.select(IdempotencyKey).where(IdempotencyKey.project_id == project_id, IdempotencyKey.key == key)
    )
    if record is not None and record.expires_at <= utcnow():
        db.session.delete(record)
        db.session.flush()
        return None
    return record


def record(project_id: str, key: str, fp: str, status_code: int, body: dict) -> None:
    """Store the first response in the current transaction, beside the change it reports."""
    ttl = current_app.config["IDEMPOTENCY_TTL_SECONDS"]
    now = utcnow()
    db.session.add(
        IdempotencyKey(
            project_id=project_id,
            key=key,
            fingerprint=fp,
            status_code=status_code,
            response_body=body,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )


def purge_expired() -> int:
    """Delete records past their 24 hours; returns how many went."""
    result = db.session.execute(db.delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    return result.rowcount or 0

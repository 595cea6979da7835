"""Projects and their API keys."""

import hashlib
import secrets

from switchboard.extensions import db
from switchboard.models import ApiKey, Project
from switchboard.models.base import utcnow


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_or_create_project(name: str) -> Project:
    """The project called `name`, created if it does not exist yet."""
    project = db.session.scalar(db.select(Project).where(Project.name == name))
    if project is None:
        project = Project(name=name)
        db.session.add(project)
        db.session.flush()
    return project


def create_key(project: Project, *, livemode: bool = True) -> tuple[ApiKey, str]:
    """Create an API key; returns the row and the secret, which is never stored."""
    secret = ("sk_live_" if livemode else "sk_test_") + secrets.token_urlsafe(32)
    key = ApiKey(
        project_id=project.id,
        key_hash=hash_key(secret),
        prefix=secret[:12],
        livemode=livemode,
    )
    db.session.add(key)
    db.session.flush()
    return key, secret


def authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None."""
    if not secret.startswith(("sk_live_", "sk_test_")):
        return None
    return db.session.scalar(
        db.select(ApiKey).where(ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None))
    )


def revoke_key(key: ApiKey) -> None:
    key.revoked_at = utcnow()

"""Projects and their API keys. Keys are shown once and stored as SHA-256."""

import hashlib
import secrets
from dataclasses import dataclass

from switchboard.errors import not_found
from switchboard.extensions import db
from switchboard.models import ApiKey, Project
from switchboard.models.base import utcnow
from switchboard.plumbing.transactions import after_commit
from switchboard.services.projects import keycache


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


def get_project(project_id: str) -> Project:
    """A project by id (the admin sees every project); 404 when there is none."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise not_found("project", param="project_id")
    return project


def list_projects() -> list[Project]:
    """Every project, by name."""
    return list(db.session.scalars(db.select(Project).order_by(Project.name)))


def project_names() -> dict[str, str]:
    """Project id → name, for pages that list several projects' objects."""
    return {project.id: project.name for project in list_projects()}


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


def list_keys() -> list[ApiKey]:
    """Every API key, newest first (the secrets themselves are not kept)."""
    return list(db.session.scalars(db.select(ApiKey).order_by(ApiKey.created_at.desc())))


def find_key(key_id: str) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise not_found("API key", param="key_id")
    return key


@dataclass(frozen=True)
class VerifiedKey:
    """An active API key as a request sees it: its id and its project."""

    id: str
    project_id: str


def _load_active(key_hash: str) -> ApiKey | None:
    return db.session.scalar(
        db.select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


def authenticate(secret: str) -> VerifiedKey | None:
    """The active key matching `secret`, or None (cached per process: see `keycache`)."""
    if not secret.startswith(("sk_live_", "sk_test_")):
        return None
    found = keycache.lookup(hash_key(secret), _load_active)
    return VerifiedKey(*found) if found is not None else None


def revoke_key(key: ApiKey) -> None:
    """Revoke a key. Once this commits, this process refuses it at once, and other processes
    at once with Redis or within API_KEY_CACHE_SECONDS without it (see `keycache`)."""
    key.revoked_at = utcnow()
    after_commit(keycache.revoked)

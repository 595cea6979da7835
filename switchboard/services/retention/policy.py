"""Reading and replacing a project's retention policy."""

from switchboard.extensions import db
from switchboard.models import RETENTION_KINDS, RetentionPolicy
from switchboard.models.base import utcnow
from switchboard.plumbing import audit
from switchboard.services.retention.specs import RetentionPut


def get_policy(project_id: str) -> RetentionPolicy:
    """The project's policy; an unsaved one (everything kept forever) when none is stored."""
    policy = db.session.get(RetentionPolicy, project_id)
    if policy is None:
        policy = RetentionPolicy(project_id=project_id, created_at=None, updated_at=None)
        for kind in RETENTION_KINDS:
            setattr(policy, f"{kind}_days", None)
    return policy


def as_dict(policy: RetentionPolicy) -> dict[str, int | None]:
    """The policy's days per kind (numbers only: safe for the audit log)."""
    return {f"{kind}_days": policy.days(kind) for kind in RETENTION_KINDS}


def put_policy(project_id: str, fields: RetentionPut, *, actor: str = "api") -> RetentionPolicy:
    """Replace the project's policy (fields left out become null) and audit the change."""
    policy = db.session.get(RetentionPolicy, project_id)
    before = as_dict(get_policy(project_id))
    if policy is None:
        policy = RetentionPolicy(project_id=project_id)
        db.session.add(policy)
    for name, value in fields.model_dump().items():
        setattr(policy, name, value)
    policy.updated_at = utcnow()
    db.session.flush()
    changed = sorted(name for name, value in as_dict(policy).items() if before.get(name) != value)
    audit.record(
        project_id, "retention.updated", actor=actor, detail={"fields": changed, "policy": as_dict(policy)}
    )
    return policy


def policies() -> list[RetentionPolicy]:
    """Every stored policy that keeps something for a limited time."""
    return [
        policy
        for policy in db.session.scalars(db.select(RetentionPolicy).order_by(RetentionPolicy.project_id))
        if any(policy.days(kind) is not None for kind in RETENTION_KINDS)
    ]

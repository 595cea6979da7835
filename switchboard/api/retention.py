"""HTTP face of retention: /api/v1/retention."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok
from switchboard.api.schemas.retention import RetentionOut
from switchboard.api.validation import parse_body
from switchboard.services import retention
from switchboard.services.retention import RetentionPut

TAG = "Retention"

HOW_IT_RUNS = (
    "The job worker purges once a day (`RETENTION_PURGE_EVERY_SECONDS`; `flask retention purge` "
    "runs it now), so data is kept at least the given days and erased within about a day after. "
    "Only closed rooms lose chat and sessions; a live visit is never touched. Finished recordings are "
    "deleted from your bucket first, then the pointer (a project without recording settings keeps "
    "them: the object cannot be reached). Pending webhook deliveries are never purged; webhook events "
    "whose payload carried erased chat or people keep only their id, type and room. The audit log is "
    "kept and gets one `retention.purged` entry per run with counts."
)


@bp.get("/retention")
@endpoint(
    "Retrieve the project's retention policy",
    response=RetentionOut,
    tag=TAG,
    description="Every field is null (kept forever) until the policy is set. " + HOW_IT_RUNS,
)
def get_retention():
    return ok(RetentionOut.build(retention.get_policy(g.project_id)).dump())


@bp.put("/retention")
@endpoint(
    "Set the project's retention policy",
    body=RetentionPut,
    response=RetentionOut,
    tag=TAG,
    description="Replaces the whole policy: a field left out becomes null (kept forever). Days are "
    f"integers from {retention.MIN_DAYS} to {retention.MAX_DAYS}; anything else is 422 "
    "`validation_error` naming the field, and changes nothing. Audited (`retention.updated`). " + HOW_IT_RUNS,
)
def put_retention():
    fields = parse_body(RetentionPut)
    return ok(RetentionOut.build(retention.put_policy(g.project_id, fields)).dump())

"""HTTP face of the audit log: GET /api/v1/audit_events."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, page
from switchboard.api.schemas.audit import AuditEventOut
from switchboard.api.validation import page_args, query_choice
from switchboard.errors import invalid
from switchboard.services import audit


@bp.get("/audit_events")
@endpoint(
    "List the audit log",
    response=AuditEventOut,
    paginated=True,
    query=(
        ("room_id", {"type": "string"}, "Only entries about this room (`rm_…`)."),
        ("action", {"type": "string", "enum": list(audit.ACTIONS)}, "Only entries with this action."),
    ),
    tag="Audit",
    description="Who did what to which room in this project, newest first. Identities appear only "
    "as `identity_hash` (HMAC-SHA256 under the deployment's identity key); the log keeps no names, "
    "metadata, chat or tokens, and it outlives purged rooms.",
)
def list_audit_events():
    room_id = request.args.get("room_id") or None
    if room_id is not None and (len(room_id) > 32 or not room_id.isprintable()):
        raise invalid("'room_id' is not a room id.", param="room_id")
    action = query_choice("action", audit.ACTIONS)
    limit, cursor = page_args()
    result = audit.list_events(g.project_id, room_id=room_id, action=action, limit=limit, cursor=cursor)
    return page(result, AuditEventOut.build)

"""Admin page for the audit log of every project, filtered by project, room and action."""

from flask import render_template, request
from flask_login import login_required

from switchboard.admin import bp
from switchboard.errors import ApiError
from switchboard.services import audit, projects

PER_PAGE = 50


@bp.get("/audit")
@login_required
def audit_log():
    room_id = (request.args.get("room_id") or "").strip()[:32] or None
    action = request.args.get("action") if request.args.get("action") in audit.ACTIONS else None
    try:
        result = audit.list_events(
            None, room_id=room_id, action=action, limit=PER_PAGE, cursor=request.args.get("cursor") or None
        )
    except ApiError:  # a cursor that is not ours: start from the newest
        result = audit.list_events(None, room_id=room_id, action=action, limit=PER_PAGE, cursor=None)
    return render_template(
        "admin/audit.html",
        entries=result.items,
        next_cursor=result.next_cursor,
        actions=audit.ACTIONS,
        room_id=room_id or "",
        action=action or "",
        project_names=projects.project_names(),
    )

"""HTTP face of sessions: each active period of a room with its time logs."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.participants import SessionOut
from switchboard.api.validation import page_args
from switchboard.services import rooms


@bp.get("/rooms/<room_id>/sessions")
@endpoint(
    "List a room's sessions",
    response=SessionOut,
    paginated=True,
    tag="Sessions",
    description="Each active period of the room (one LiveKit room instance), newest first, with "
    "per-participant time logs.",
)
def list_sessions(room_id):
    room = rooms.get_room(g.project_id, room_id)
    limit, cursor = page_args()
    result = rooms.list_sessions(room, limit=limit, cursor=cursor)
    logs = rooms.time_logs(result.items)
    return page(result, lambda session: SessionOut.build(session, time_logs=logs[session.id]))


@bp.get("/sessions/<session_id>")
@endpoint("Retrieve a session", response=SessionOut, tag="Sessions")
def get_session(session_id):
    session = rooms.get_session(g.project_id, session_id)
    return ok(SessionOut.build(session, time_logs=rooms.time_logs([session])[session.id]).dump())

"""HTTP face of the waiting room: who waits, admit, deny."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.participants import DenyBody, WaitingDecisionOut, WaitingOut
from switchboard.api.validation import page_args, parse_body
from switchboard.services import rooms

LIVEKIT_ERRORS = {
    "502": {"description": "LiveKit refused the change (`livekit_error`); nothing changed."},
    "503": {"description": "LiveKit could not be reached in time (`unavailable`); nothing changed."},
}


@bp.get("/rooms/<room_id>/waiting")
@endpoint(
    "List who is in the waiting room",
    response=WaitingOut,
    paginated=True,
    tag="Waiting room",
    description="People who joined a room with `waiting_room: true` and wait for a host, newest "
    "first. They are connected to LiveKit hidden and can neither publish, subscribe nor send data "
    "until admitted. Someone who leaves before a decision leaves the list.",
)
def list_waiting(room_id):
    room = rooms.get_room(g.project_id, room_id)
    limit, cursor = page_args()
    return page(rooms.waiting_page(room, limit=limit, cursor=cursor), WaitingOut.build)


@bp.post("/rooms/<room_id>/waiting/<identity>/admit")
@endpoint(
    "Admit someone from the waiting room",
    response=WaitingDecisionOut,
    tag="Waiting room",
    responses=LIVEKIT_ERRORS,
    description="Grants the person their role's rights in LiveKit at once (their page reacts without "
    "reloading) and puts them on the roster; a rejoin with the same link is admitted again. "
    "404 if the identity is not waiting. Emits `participant.admitted`.",
)
def admit_waiting(room_id, identity):
    room = rooms.get_room(g.project_id, room_id)
    rooms.admit(room, identity)
    return ok(WaitingDecisionOut(identity=identity, status="admitted").dump())


@bp.post("/rooms/<room_id>/waiting/<identity>/deny")
@endpoint(
    "Deny someone in the waiting room",
    body=DenyBody,
    response=WaitingDecisionOut,
    tag="Waiting room",
    responses=LIVEKIT_ERRORS,
    description="Disconnects the person and revokes every token issued to them for this room; their "
    "page shows `message`. The body is optional. 404 if the identity is not waiting. Emits "
    "`participant.denied` (without the message).",
)
def deny_waiting(room_id, identity):
    room = rooms.get_room(g.project_id, room_id)
    fields = parse_body(DenyBody) if request.get_data(cache=True).strip() else DenyBody()
    rooms.deny(room, identity, message=fields.message)
    return ok(WaitingDecisionOut(identity=identity, status="denied").dump())

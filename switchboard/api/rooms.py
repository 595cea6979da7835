"""HTTP face of rooms: /api/v1/rooms."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.rooms import RoomCreateBody, RoomOut, RoomUpdateBody
from switchboard.api.validation import page_args, parse_body, query_choice
from switchboard.models import ROOM_STATUSES
from switchboard.models.base import isoformat
from switchboard.services import rooms


def serialize_room(room) -> dict:
    return RoomOut(
        id=room.id,
        name=room.name,
        status=room.status,
        capabilities=room.capabilities,
        max_participants=room.max_participants,
        empty_timeout=room.empty_timeout,
        region=room.region,
        metadata=room.metadata_ or {},
        roles=room.roles,
        participant_count=rooms.participant_count(room),
        created_at=isoformat(room.created_at),
        closed_at=isoformat(room.closed_at),
    ).model_dump(mode="json")


@bp.post("/rooms")
@endpoint("Create a room", body=RoomCreateBody, response=RoomOut, status=201, tag="Rooms")
def create_room():
    fields = parse_body(RoomCreateBody).room
    return ok(serialize_room(rooms.create_room(g.project_id, fields)), 201)


@bp.get("/rooms")
@endpoint(
    "List rooms, newest first",
    response=RoomOut,
    paginated=True,
    query=(("status", {"type": "string", "enum": list(ROOM_STATUSES)}, "Only rooms in this status."),),
    tag="Rooms",
)
def list_rooms():
    status = query_choice("status", ROOM_STATUSES)
    limit, cursor = page_args()
    items, has_more, next_cursor = rooms.list_rooms(g.project_id, status=status, limit=limit, cursor=cursor)
    return page([serialize_room(room) for room in items], has_more, next_cursor)


@bp.get("/rooms/<room_id>")
@endpoint("Retrieve a room", response=RoomOut, tag="Rooms")
def get_room(room_id):
    return ok(serialize_room(rooms.get_room(g.project_id, room_id)))


@bp.patch("/rooms/<room_id>")
@endpoint(
    "Update a room",
    body=RoomUpdateBody,
    response=RoomOut,
    tag="Rooms",
    description="Partial update. A closed room answers 409 `room_closed`. On an active room a new "
    "`metadata` is also pushed to the live LiveKit room (right away, else retried by the job worker); "
    "LiveKit fixes a room's participant cap and timeouts when it creates the room, so changes to "
    "`max_participants` and `empty_timeout` apply from the next session and to tokens minted after "
    "the change.",
)
def update_room(room_id):
    room = rooms.get_room(g.project_id, room_id)
    fields = parse_body(RoomUpdateBody).room
    return ok(serialize_room(rooms.update_room(room, fields)))


@bp.delete("/rooms/<room_id>")
@endpoint(
    "Close a room",
    response=RoomOut,
    tag="Rooms",
    description="Disconnects everyone, stops recordings and revokes every token. Idempotent. "
    "The close never waits on LiveKit: the room is closed in Switchboard at once (tokens revoked, "
    "everyone's time log ended, `room.closed` emitted) and the LiveKit room is deleted right after; "
    "if LiveKit cannot be reached then, the deletion is retried by the job worker and by "
    "reconciliation, and any rejoin is refused because the tokens are revoked.",
)
def close_room(room_id):
    room = rooms.get_room(g.project_id, room_id)
    return ok(serialize_room(rooms.close_room(room)))

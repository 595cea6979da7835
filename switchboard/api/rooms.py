"""HTTP face of rooms: /api/v1/rooms (and a closed room's purge)."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.participants import RoomPurgedOut
from switchboard.api.schemas.rooms import RoomCreateBody, RoomOut, RoomUpdateBody
from switchboard.api.validation import page_args, parse_body, query_choice
from switchboard.services import rooms


def _room_out(room) -> dict:
    return RoomOut.build(room, participant_count=rooms.participant_count(room)).dump()


@bp.post("/rooms")
@endpoint("Create a room", body=RoomCreateBody, response=RoomOut, status=201, tag="Rooms")
def create_room():
    fields = parse_body(RoomCreateBody).room
    # A room just created has no one in it: no need to count.
    return ok(RoomOut.build(rooms.create_room(g.project_id, fields), participant_count=0).dump(), 201)


@bp.get("/rooms")
@endpoint(
    "List rooms, newest first",
    response=RoomOut,
    paginated=True,
    query=(("status", {"type": "string", "enum": list(rooms.STATUSES)}, "Only rooms in this status."),),
    tag="Rooms",
)
def list_rooms():
    status = query_choice("status", rooms.STATUSES)
    limit, cursor = page_args()
    result = rooms.list_rooms(g.project_id, status=status, limit=limit, cursor=cursor)
    counts = rooms.participant_counts([room.id for room in result.items])
    return page(result, lambda room: RoomOut.build(room, participant_count=counts[room.id]))


@bp.get("/rooms/<room_id>")
@endpoint("Retrieve a room", response=RoomOut, tag="Rooms")
def get_room(room_id):
    return ok(_room_out(rooms.get_room(g.project_id, room_id)))


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
    return ok(_room_out(rooms.update_room(room, fields)))


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
    return ok(_room_out(rooms.close_room(room)))


@bp.post("/rooms/<room_id>/purge")
@endpoint(
    "Purge a closed room",
    response=RoomPurgedOut,
    tag="Rooms",
    description="Permanently erases a closed room's sessions, participants (with their identities), "
    "tracks, join token records and chat. The room itself and the audit log remain; the audit log "
    "holds identities only as keyed hashes. 409 `room_not_closed` unless the room is closed.",
)
def purge_room(room_id):
    room = rooms.get_room(g.project_id, room_id)
    erased = rooms.purge_room(room)
    return ok(RoomPurgedOut(room_id=room.id, status="purged", erased=erased).dump())

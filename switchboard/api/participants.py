"""HTTP face of the roster: who is in a room now, and removing someone."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.participants import ParticipantOut, ParticipantRemovedOut
from switchboard.api.validation import page_args
from switchboard.services import rooms


@bp.get("/rooms/<room_id>/participants")
@endpoint(
    "List who is connected",
    response=ParticipantOut,
    tag="Participants",
    description="Everyone connected to the room now, by video and/or chat, one entry per identity "
    "(its latest media connection, else its chat socket), newest joined first, with their published "
    "tracks. Media connections are kept from LiveKit's webhooks and repaired by periodic "
    "reconciliation; chat connections from the chat sockets' presence.",
    paginated=True,
)
def list_participants(room_id):
    room = rooms.get_room(g.project_id, room_id)
    limit, cursor = page_args()
    return page(rooms.roster_page(room, limit=limit, cursor=cursor), ParticipantOut.build)


@bp.delete("/rooms/<room_id>/participants/<identity>")
@endpoint(
    "Remove a participant",
    response=ParticipantRemovedOut,
    tag="Participants",
    responses={
        "502": {"description": "LiveKit refused the removal (`livekit_error`); nothing changed."},
        "503": {"description": "LiveKit could not be reached in time (`unavailable`); nothing changed."},
    },
    description="Disconnects the identity from the room's media and chat and revokes every token "
    "issued to it for this room; if it rejoins with an old token it is removed again as soon as "
    "LiveKit reports the join. LiveKit is asked first: if it cannot be reached the answer is "
    "503 `unavailable` (502 `livekit_error` if it refuses) and nothing changes, so the call can "
    "simply be retried. 404 if the identity is not connected.",
)
def remove_participant(room_id, identity):
    room = rooms.get_room(g.project_id, room_id)
    rooms.remove_participant(room, identity)
    return ok(ParticipantRemovedOut(identity=identity, status="removed").dump())

"""HTTP face of participants and sessions: who is in a room now, removal, and history."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.participants import (
    ParticipantOut,
    ParticipantRemovedOut,
    RoomPurgedOut,
    SessionOut,
)
from switchboard.api.validation import page_args
from switchboard.models.base import isoformat, utcnow
from switchboard.services import participants, purge, rooms, sessions


def serialize_participant(person) -> dict:
    return ParticipantOut(
        identity=person.identity,
        name=person.name,
        role=person.role,
        state=person.state,
        joined_at=isoformat(person.joined_at),
        tracks=[{"sid": t.sid, "kind": t.kind, "source": t.source, "muted": t.muted} for t in person.tracks],
    ).model_dump(mode="json")


def _seconds(start, end) -> int:
    return max(0, int(((end or utcnow()) - start).total_seconds()))


def serialize_session(session) -> dict:
    return SessionOut(
        id=session.id,
        room_id=session.room_id,
        started_at=isoformat(session.started_at),
        ended_at=isoformat(session.ended_at),
        duration_seconds=_seconds(session.started_at, session.ended_at),
        participants=[
            {
                "identity": row.identity,
                "name": row.name,
                "role": row.role,
                "joined_at": isoformat(row.joined_at),
                "left_at": isoformat(row.left_at),
                "duration_seconds": _seconds(row.joined_at, row.left_at),
                "left_reason": row.left_reason,
            }
            for row in sessions.time_logs(session)
        ],
    ).model_dump(mode="json")


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
    items, has_more, next_cursor = participants.roster_page(room, limit=limit, cursor=cursor)
    return page([serialize_participant(row) for row in items], has_more, next_cursor)


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
    participants.remove(room, identity)
    return ok(ParticipantRemovedOut(identity=identity, status="removed").model_dump(mode="json"))


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
    items, has_more, next_cursor = sessions.list_sessions(room, limit=limit, cursor=cursor)
    return page([serialize_session(s) for s in items], has_more, next_cursor)


@bp.get("/sessions/<session_id>")
@endpoint("Retrieve a session", response=SessionOut, tag="Sessions")
def get_session(session_id):
    return ok(serialize_session(sessions.get_session(g.project_id, session_id)))


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
    erased = purge.purge_room(room)
    return ok(RoomPurgedOut(room_id=room.id, status="purged", erased=erased).model_dump(mode="json"))

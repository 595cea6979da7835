"""Who may open a room's chat (and `realtime/info`) with a join token, and why not."""

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import JoinToken, Room
from switchboard.services import tokens


class JoinRefused(ApiError):
    """A join token that may not open the room now. `code` says why: `unauthorized` (bad,
    expired or revoked token, 401), `room_closed` (closed or unknown room, 404) or
    `chat_disabled` (the room has no chat, 403) or `waiting` (not admitted from the waiting room
    yet, 403). Transports map it to their own signal."""


def admit(jwt: str, *, chat: bool, waiting_ok: bool = False) -> tuple[VerifiedToken, JoinToken, Room]:
    """Check a join token end to end (`tokens.authenticate`) and the room it opens; with
    `chat=True` the room must also have the `chat` capability (waiting-room tokens, and
    hosts of a waiting room, need no chat: their socket carries the waiting room). A waiting
    token is refused unless `waiting_ok`."""
    try:
        claims, record = tokens.authenticate(jwt or "")
    except tokens.TokenRejected as exc:
        if exc.room_closed:  # closing a room revokes its tokens; say what happened
            raise JoinRefused(404, "This room is closed.", code="room_closed") from None
        raise JoinRefused(401, exc.message, code="unauthorized") from None
    room = db.session.get(Room, claims.room_id)
    waiting_socket = room.waiting_room and (tokens.waiting(record) or tokens.may_admit(room, claims.role))
    if chat and not room.has("chat") and not waiting_socket:
        raise JoinRefused(403, "This room has no chat.", code="chat_disabled")
    if chat and tokens.waiting(record) and not waiting_ok:
        raise JoinRefused(
            403, "You are in the waiting room; the chat opens once a host lets you in.", code="waiting"
        )
    return claims, record, room

"""Chat: storing messages in order, reading history, and who is connected by chat socket.

Order comes from the database: `next_seq` bumps a per-room counter row inside the transaction
that stores the message. The counter's row lock (PostgreSQL) or the database write lock
(SQLite) is held until commit, so sequence numbers are handed out, and committed, one after
another: when message n is visible, every message before it is too. A rollback gives the
number back, so `seq` is gap-free.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from switchboard.errors import conflict
from switchboard.extensions import db
from switchboard.livekit import tokens as lk_tokens
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import ChatMessage, ChatPresence, ChatSequence, JoinToken, Room
from switchboard.models.base import isoformat, new_id, utcnow
from switchboard.services import events, tokens

MAX_BODY_CHARS = 4000


class JoinRefused(Exception):
    """A join token that may not open the room now: the socket close code, HTTP status and why."""

    def __init__(self, close_code: int, status: int, code: str, message: str):
        super().__init__(message)
        self.close_code = close_code
        self.status = status
        self.code = code
        self.message = message


def _room_closed_for(jwt: str) -> bool:
    try:
        claims = lk_tokens.verify(jwt or "")
    except lk_tokens.InvalidToken:
        return False
    room = db.session.get(Room, claims.room_id)
    return room is not None and room.status == "closed"


def admit(jwt: str, *, chat: bool) -> tuple[VerifiedToken, JoinToken, Room]:
    """Check a join token end to end and the room it opens.

    Refusals: a bad, expired or revoked token (4401 / 401), a closed or unknown room
    (4404 / 404), and with `chat=True` a room without the `chat` capability (4403 / 403).
    """
    try:
        claims, record = tokens.authenticate(jwt or "")
    except tokens.TokenRejected as exc:
        if _room_closed_for(jwt):  # closing a room revokes its tokens; say what happened
            raise JoinRefused(4404, 404, "room_closed", "This room is closed.") from None
        raise JoinRefused(4401, 401, "unauthorized", str(exc)) from None
    room = db.session.get(Room, claims.room_id)
    if room is None or room.status == "closed":
        raise JoinRefused(4404, 404, "room_closed", "This room is closed.")
    if chat and not room.has("chat"):
        raise JoinRefused(4403, 403, "chat_disabled", "This room has no chat.")
    return claims, record, room


def next_seq(room_id: str) -> int:
    """Take the room's next sequence number (an upsert that returns the new value)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ChatSequence)
        .values(room_id=room_id, last_seq=1)
        .on_conflict_do_update(index_elements=["room_id"], set_={"last_seq": ChatSequence.last_seq + 1})
        .returning(ChatSequence.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def message_data(message: ChatMessage) -> dict:
    """The public shape of a message: the `message.created` payload and a history item."""
    return {
        "id": message.id,
        "room_id": message.room_id,
        "from": message.sender_identity,
        "body": message.body,
        "sent_at": isoformat(message.sent_at),
        "seq": message.seq,
    }


def post_message(room_id: str, sender: VerifiedToken, body: str) -> ChatMessage:
    """Store a message with the room's next `seq` and hand `message.created` to the outbox.

    The caller commits, and broadcasts only after the commit succeeded. Start the
    transaction with this call (no earlier writes) so SQLite takes its write lock first.
    A closed room takes no more messages (409 `room_closed`).
    """
    seq = next_seq(room_id)
    # Read under the lock just taken: a room closed a moment ago is seen as closed.
    room = db.session.get(Room, room_id, populate_existing=True)
    if room is None or room.status == "closed":
        raise conflict("This room is closed.", code="room_closed")
    message = ChatMessage(
        id=new_id("msg"),
        project_id=room.project_id,
        room_id=room.id,
        seq=seq,
        sender_identity=sender.identity,
        body=body,
        sent_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    events.emit(room.project_id, "message.created", message_data(message))
    return message


def last_seq(room_id: str) -> int:
    """The highest `seq` stored in the room (0 before the first message)."""
    return db.session.scalar(db.select(func.max(ChatMessage.seq)).where(ChatMessage.room_id == room_id)) or 0


def messages_after(
    room_id: str, after_seq: int, *, limit: int, up_to: int | None = None
) -> list[ChatMessage]:
    """Up to `limit` messages with `after_seq < seq [<= up_to]`, ascending by seq."""
    query = db.select(ChatMessage).where(ChatMessage.room_id == room_id, ChatMessage.seq > after_seq)
    if up_to is not None:
        query = query.where(ChatMessage.seq <= up_to)
    return list(db.session.scalars(query.order_by(ChatMessage.seq).limit(limit)))


def history(room: Room, *, after_seq: int, limit: int) -> tuple[list[ChatMessage], bool]:
    """A page of the room's history after `after_seq`, ascending; and whether more follow."""
    rows = messages_after(room.id, after_seq, limit=limit + 1)
    return rows[:limit], len(rows) > limit


# Presence ------------------------------------------------------------------------------------


def _fresh_after(stale_seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=stale_seconds)


def add_presence(token: VerifiedToken) -> ChatPresence:
    """Record an open socket of `token`'s holder. The caller commits."""
    now = utcnow()
    row = ChatPresence(
        id=new_id("cx"),
        room_id=token.room_id,
        identity=token.identity,
        name=token.name or token.identity,
        role=token.role,
        token_id=token.token_id,
        joined_at=now,
        seen_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def touch_presence(connection_id: str) -> None:
    """Heartbeat: this socket is still open."""
    db.session.execute(
        db.update(ChatPresence).where(ChatPresence.id == connection_id).values(seen_at=utcnow())
    )


def remove_presence(connection_id: str) -> None:
    db.session.execute(db.delete(ChatPresence).where(ChatPresence.id == connection_id))


def connections_of(room_id: str, identity: str, *, stale_seconds: float) -> int:
    """How many live sockets `identity` has open in the room (across every process)."""
    return db.session.scalar(
        db.select(func.count(ChatPresence.id)).where(
            ChatPresence.room_id == room_id,
            ChatPresence.identity == identity,
            ChatPresence.seen_at >= _fresh_after(stale_seconds),
        )
    )


def presence(room_id: str, *, stale_seconds: float | None = None) -> list[ChatPresence]:
    """The room's live chat sockets, one per identity (its earliest), ordered by `joined_at`.

    Sockets whose heartbeat stopped more than `stale_seconds` ago (default
    `REALTIME_PRESENCE_STALE_SECONDS`) do not count.
    """
    if stale_seconds is None:
        stale_seconds = current_app.config["REALTIME_PRESENCE_STALE_SECONDS"]
    rows = db.session.scalars(
        db.select(ChatPresence)
        .where(ChatPresence.room_id == room_id, ChatPresence.seen_at >= _fresh_after(stale_seconds))
        .order_by(ChatPresence.joined_at, ChatPresence.id)
    )
    first: dict[str, ChatPresence] = {}
    for row in rows:
        first.setdefault(row.identity, row)
    return list(first.values())


def present_members(room_id: str, *, stale_seconds: float | None = None) -> list[dict]:
    """Everyone connected to the room's chat as `[{identity, name, role, joined_at}]`."""
    return [
        {"identity": row.identity, "name": row.name, "role": row.role, "joined_at": isoformat(row.joined_at)}
        for row in presence(room_id, stale_seconds=stale_seconds)
    ]


def purge_stale_presence(room_id: str, *, stale_seconds: float) -> list[str]:
    """Delete sockets whose heartbeat stopped; return identities that thereby left the room."""
    cutoff = _fresh_after(stale_seconds)
    stale = list(
        db.session.scalars(
            db.select(ChatPresence.identity).where(
                ChatPresence.room_id == room_id, ChatPresence.seen_at < cutoff
            )
        )
    )
    if not stale:
        return []
    db.session.execute(
        db.delete(ChatPresence).where(ChatPresence.room_id == room_id, ChatPresence.seen_at < cutoff)
    )
    still_here = {row.identity for row in presence(room_id, stale_seconds=stale_seconds)}
    return sorted(set(stale) - still_here)

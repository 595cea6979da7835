"""Chat messages: storing them in order and reading them back.

Order comes from the database: `next_seq` bumps a per-room counter row inside the transaction
that stores the message. The counter's row lock (PostgreSQL) or the database write lock
(SQLite) is held until commit, so sequence numbers are handed out, and committed, one after
another: when message n is visible, every message before it is too. A rollback gives the
number back, so `seq` is gap-free.

`post_messages` stores several messages of one room in one transaction: one counter bump by
N (seq `last-N+1 … last`), one multi-row insert each for the messages, their events and the
events' fan-out jobs. The lock is taken once per batch instead of once per message, which is
what lets one room take well over a thousand messages a second (the socket's batcher,
`realtime/writer.py`, groups what arrives while the previous batch commits).
"""

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from switchboard.errors import conflict
from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import ChatMessage, ChatSequence, Room
from switchboard.models.base import isoformat, new_id, utcnow
from switchboard.plumbing import events
from switchboard.plumbing.pagination import Page, paginate_forward

MAX_BODY_CHARS = 4000


def next_seq(room_id: str, count: int = 1) -> int:
    """Take the room's next `count` sequence numbers; returns the last of them (an upsert that
    returns the new value, so the numbers taken are `result - count + 1 … result`)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ChatSequence)
        .values(room_id=room_id, last_seq=count)
        .on_conflict_do_update(index_elements=["room_id"], set_={"last_seq": ChatSequence.last_seq + count})
        .returning(ChatSequence.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def event_data(message: ChatMessage) -> dict:
    """The `message.created` payload (webhook event and chat socket) of a stored message."""
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
    return post_messages(room_id, [(sender, body)])[0]


def post_messages(room_id: str, posts: list[tuple[VerifiedToken, str]]) -> list[ChatMessage]:
    """Store `posts` (sender, body) in this order with the room's next seqs, one statement per
    table; each gets its `message.created` event. Same contract as `post_message`."""
    last = next_seq(room_id, len(posts))
    # Read under the lock just taken: a room closed a moment ago is seen as closed.
    room = db.session.get(Room, room_id, populate_existing=True)
    if room is None or room.status == "closed":
        raise conflict("This room is closed.", code="room_closed")
    now = utcnow()
    first = last - len(posts) + 1
    messages = [
        ChatMessage(
            id=new_id("msg"),
            project_id=room.project_id,
            room_id=room.id,
            seq=first + n,
            sender_identity=sender.identity,
            body=body,
            sent_at=now,
        )
        for n, (sender, body) in enumerate(posts)
    ]
    db.session.add_all(messages)
    events.emit_many(room.project_id, "message.created", [event_data(m) for m in messages])
    return messages


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


def history(room: Room, *, after_seq: int, limit: int) -> Page:
    """A page of the room's history after `after_seq`, ascending by `seq`."""
    query = db.select(ChatMessage).where(ChatMessage.room_id == room.id)
    return paginate_forward(query, ChatMessage.seq, after=after_seq, limit=limit)


def recent(room: Room, *, limit: int) -> list[ChatMessage]:
    """The room's last `limit` messages, in conversation order (for the admin's room page)."""
    query = db.select(ChatMessage).where(ChatMessage.room_id == room.id)
    rows = list(db.session.scalars(query.order_by(ChatMessage.seq.desc()).limit(limit)))
    return rows[::-1]

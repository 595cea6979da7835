"""Who is connected to a room's chat: one row per open socket, kept alive by a heartbeat."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import ChatPresence
from switchboard.models.base import isoformat, new_id, utcnow


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


def touch_presences(connection_ids: list[str]) -> None:
    """Heartbeat of many sockets at once (the hub's sweep)."""
    if connection_ids:
        db.session.execute(
            db.update(ChatPresence).where(ChatPresence.id.in_(connection_ids)).values(seen_at=utcnow())
        )


def rooms_with_stale_presence(room_ids: list[str], *, stale_seconds: float) -> set[str]:
    """Which of `room_ids` have sockets whose heartbeat stopped (for `purge_stale_presence`)."""
    if not room_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(ChatPresence.room_id)
            .where(ChatPresence.room_id.in_(room_ids), ChatPresence.seen_at < _fresh_after(stale_seconds))
            .distinct()
        )
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
    # One row per identity chosen by the database: a room where one identity holds many
    # sockets (tabs, devices, a load test) must not load every socket on every connect.
    ranked = (
        db.select(
            ChatPresence.id,
            func.row_number()
            .over(partition_by=ChatPresence.identity, order_by=(ChatPresence.joined_at, ChatPresence.id))
            .label("rank"),
        )
        .where(ChatPresence.room_id == room_id, ChatPresence.seen_at >= _fresh_after(stale_seconds))
        .subquery()
    )
    return list(
        db.session.scalars(
            db.select(ChatPresence)
            .join(ranked, ranked.c.id == ChatPresence.id)
            .where(ranked.c.rank == 1)
            .order_by(ChatPresence.joined_at, ChatPresence.id)
        )
    )


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


def identities_by_room(room_ids: list[str], *, stale_seconds: float | None = None) -> dict[str, set[str]]:
    """The identities with a live chat socket in each of `room_ids` (one query)."""
    if stale_seconds is None:
        stale_seconds = current_app.config["REALTIME_PRESENCE_STALE_SECONDS"]
    found: dict[str, set[str]] = {room_id: set() for room_id in room_ids}
    if not room_ids:
        return found
    rows = db.session.execute(
        db.select(ChatPresence.room_id, ChatPresence.identity)
        .where(ChatPresence.room_id.in_(room_ids), ChatPresence.seen_at >= _fresh_after(stale_seconds))
        .distinct()
    )
    for room_id, identity in rows:
        found[room_id].add(identity)
    return found

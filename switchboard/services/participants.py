"""Participants: who is connected to a room (media and chat), their tracks, and removing them.

One row per LiveKit connection (participant sid). Rows are written from LiveKit webhooks
and repaired by reconciliation. The roster is those rows still `active`, plus everyone
connected only by the chat socket (their presence is kept by the chat service).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from switchboard.errors import ApiError, not_found
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import Participant, ParticipantTrack, Room, Session
from switchboard.models.base import utcnow
from switchboard.services import audit, chat, events, sessions, tokens
from switchboard.services.identities import hash_identity
from switchboard.services.pagination import decode_cursor, encode_cursor
from switchboard.signals import participant_removed
from switchboard.transactions import after_commit


@dataclass(frozen=True)
class Connected:
    """One identity on the roster: in the media room (`active`) or only in the chat (`chat`)."""

    key: str  # the connection's id, for stable ordering and cursors
    identity: str
    name: str
    role: str
    state: str
    joined_at: datetime
    tracks: tuple


def list_connected(room: Room) -> list[Connected]:
    """Everyone connected now, one entry per identity, in join order.

    A media connection (its latest) wins over a chat socket of the same identity. This is the
    one place the roster is computed.
    """
    rows = db.session.scalars(
        db.select(Participant)
        .where(Participant.room_id == room.id, Participant.state == "active")
        .order_by(Participant.joined_at, Participant.id)
    )
    people: dict[str, Connected] = {}
    for row in rows:
        people[row.identity] = Connected(
            key=row.id,
            identity=row.identity,
            name=row.name,
            role=row.role,
            state="active",
            joined_at=row.joined_at,
            tracks=tuple(live_tracks(row)),
        )
    for socket in chat.presence(room.id):
        people.setdefault(
            socket.identity,
            Connected(
                key=socket.id,
                identity=socket.identity,
                name=socket.name,
                role=socket.role,
                state="chat",
                joined_at=socket.joined_at,
                tracks=(),
            ),
        )
    return sorted(people.values(), key=lambda person: (person.joined_at, person.key))


def roster_page(room: Room, *, limit: int, cursor: str | None):
    """A page of `list_connected`, newest joined first, like every other list."""
    people = sorted(list_connected(room), key=lambda p: (p.joined_at, p.key), reverse=True)
    if cursor:
        joined_at, key = decode_cursor(cursor)
        people = [p for p in people if (p.joined_at, p.key) < (joined_at, key)]
    has_more = len(people) > limit
    people = people[:limit]
    next_cursor = encode_cursor(people[-1].joined_at, people[-1].key) if has_more else None
    return people, has_more, next_cursor


def participant_count(room: Room) -> int:
    """How many distinct identities are connected now, by media or chat (as `list_connected`)."""
    media = db.session.scalars(
        db.select(Participant.identity)
        .where(Participant.room_id == room.id, Participant.state == "active")
        .distinct()
    )
    return len(set(media) | {socket.identity for socket in chat.presence(room.id)})


def live_tracks(row: Participant) -> list[ParticipantTrack]:
    return [track for track in row.tracks if track.unpublished_at is None]


def find_by_sid(room: Room, sid: str) -> Participant | None:
    return db.session.scalar(
        db.select(Participant).where(Participant.room_id == room.id, Participant.sid == sid)
    )


def active_in_session(session: Session) -> list[Participant]:
    return list(
        db.session.scalars(
            db.select(Participant).where(Participant.session_id == session.id, Participant.state == "active")
        )
    )


def _connected_as(room: Room, identity: str) -> list[Participant]:
    return list(
        db.session.scalars(
            db.select(Participant).where(
                Participant.room_id == room.id,
                Participant.identity_hash == hash_identity(identity),
                Participant.state == "active",
            )
        )
    )


def _from_unix(seconds: int) -> datetime:
    if not seconds:
        return utcnow()
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def record_joined(room: Room, info: livekit.Participant, *, livekit_sid: str, actor: str = "livekit"):
    """Record a LiveKit join (idempotent per sid); the first one makes the room active."""
    existing = find_by_sid(room, info.sid)
    if existing is not None:
        sync_tracks(existing, info.tracks)
        return existing
    session, started = sessions.ensure_session(room, livekit_sid)
    row = Participant(
        project_id=room.project_id,
        room_id=room.id,
        session_id=session.id,
        sid=info.sid,
        identity=info.identity,
        identity_hash=hash_identity(info.identity),
        name=(info.name or info.identity)[:128],
        role=(info.role or "participant")[:32],
        token_id=info.token_id,
        state="active",
        joined_at=_from_unix(info.joined_at),
    )
    db.session.add(row)
    db.session.flush()
    if room.status == "idle":
        room.status = "active"
        events.emit(room.project_id, "room.started", {"room_id": room.id, "session_id": session.id})
    elif started:
        audit.record(
            room.project_id,
            "session.started",
            actor=actor,
            room_id=room.id,
            detail={"session_id": session.id},
        )
    events.emit(
        room.project_id,
        "participant.joined",
        {
            "room_id": room.id,
            "session_id": session.id,
            "identity": row.identity,
            "name": row.name,
            "role": row.role,
        },
    )
    audit.record(
        room.project_id,
        "participant.joined",
        actor=actor,
        room_id=room.id,
        identity=info.identity,
        detail={"token_id": info.token_id, "role": row.role, "session_id": session.id},
    )
    sync_tracks(row, info.tracks)
    return row


def mark_left(row: Participant, *, reason: str) -> bool:
    """Close a connection's time log and emit `participant.left`; False if it already had."""
    if row.state != "active":
        return False
    now = utcnow()
    # Conditional, so two writers racing (a removal and LiveKit's leave webhook) close the
    # log once even where the database has no row locks (SQLite).
    closed = db.session.execute(
        db.update(Participant)
        .where(Participant.id == row.id, Participant.state == "active")
        .values(state="disconnected", left_at=now, left_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    if not closed:
        return False
    for track in row.tracks:
        if track.unpublished_at is None:
            track.unpublished_at = now
    events.emit(
        row.project_id,
        "participant.left",
        {"room_id": row.room_id, "session_id": row.session_id, "identity": row.identity, "reason": reason},
    )
    db.session.flush()
    return True


def record_track(row: Participant, track: livekit.Track, *, published: bool) -> None:
    """A track was published or unpublished (idempotent per track sid)."""
    existing = next((t for t in row.tracks if t.sid == track.sid), None)
    if published and existing is None:
        row.tracks.append(
            ParticipantTrack(sid=track.sid, kind=track.kind, source=track.source, muted=track.muted)
        )
    elif published:
        existing.muted = track.muted
    elif existing is not None and existing.unpublished_at is None:
        existing.unpublished_at = utcnow()
    db.session.flush()


def sync_tracks(row: Participant, tracks: list[livekit.Track]) -> None:
    """Make the row's live tracks exactly `tracks` (as LiveKit reports them)."""
    seen = {track.sid for track in tracks}
    for track in tracks:
        record_track(row, track, published=True)
    for existing in live_tracks(row):
        if existing.sid not in seen:
            existing.unpublished_at = utcnow()
    db.session.flush()


def remove(room: Room, identity: str, *, actor: str = "api") -> int:
    """Kick `identity` from the room's media and revoke all their tokens for this room.

    Our changes are written first (holding the room's lock, so LiveKit's `participant_left`
    for the kick waits and then finds the connection closed as `removed`), then LiveKit is
    asked; if it cannot be reached this raises 502/503 and the transaction rolls back, so
    nothing changes. 404 when the identity is neither in our roster (media or chat) nor in
    LiveKit. Chat sockets are closed by the `participant_removed` signal after commit.
    Returns how many tokens were revoked.
    """
    db.session.refresh(room, with_for_update=True)
    if room.status == "closed":
        raise not_found("participant", param="identity")
    rows = _connected_as(room, identity)
    chatting = any(socket.identity == identity for socket in chat.presence(room.id))
    revoked = tokens.revoke_identity(room, identity)
    for row in rows:
        mark_left(row, reason="removed")
    db.session.flush()
    try:
        # A room without audio or video never has a LiveKit side to kick from.
        kicked = livekit.remove_participant(room.id, identity) if tokens.allowed_sources(room) else False
        if not rows and not chatting and not kicked:
            raise not_found("participant", param="identity")
    except ApiError:
        db.session.rollback()  # undo the revocation and the closed logs: nothing changed
        raise
    events.emit(room.project_id, "participant.removed", {"room_id": room.id, "identity": identity})
    audit.record(
        room.project_id,
        "participant.removed",
        actor=actor,
        room_id=room.id,
        identity=identity,
        detail={"revoked": revoked},
    )
    room_id = room.id
    after_commit(lambda: participant_removed.send(room_id, identity=identity))
    return revoked


def disconnect_all(room: Room, *, reason: str) -> None:
    """Everyone leaves (the room is closing): close their time logs and the open session."""
    current = sessions.open_session(room)
    if current is not None:
        sessions.end_session(current, reason=reason)
    for row in db.session.scalars(
        db.select(Participant).where(Participant.room_id == room.id, Participant.state == "active")
    ):
        mark_left(row, reason=reason)


def last_activity(room: Room) -> datetime | None:
    """When the last connection ended (None if someone is still connected or nobody ever was)."""
    if participant_count(room):
        return None
    return db.session.scalar(
        db.select(db.func.max(Participant.left_at)).where(Participant.room_id == room.id)
    )

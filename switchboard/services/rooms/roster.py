"""The roster: who is connected to a room (media and chat), their tracks and time logs, and
removing them.

One `Participant` row per LiveKit connection (participant sid), written from LiveKit's
webhooks and repaired by reconciliation; a row is also that connection's time log in its
session. The roster is the rows still `active`, plus everyone connected only by the chat
socket (their presence is the chat service's).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import selectinload

from switchboard.errors import ApiError, not_found
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import JoinToken, Participant, ParticipantTrack, Room, Session
from switchboard.models.base import utcnow
from switchboard.plumbing import audit, events
from switchboard.plumbing.identities import hash_identity
from switchboard.plumbing.pagination import Page, paginate_items
from switchboard.plumbing.signals import participant_removed
from switchboard.plumbing.transactions import after_commit
from switchboard.services import chat, tokens
from switchboard.services.rooms import sessions


def _active(**where):
    """The one query for connections still open, narrowed by `room_id`, `session_id` or
    `identity_hash`."""
    query = db.select(Participant).where(Participant.state == "active")
    for column, value in where.items():
        query = query.where(getattr(Participant, column) == value)
    return query


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
        _active(room_id=room.id)
        .options(selectinload(Participant.tracks))
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


def roster_page(room: Room, *, limit: int, cursor: str | None) -> Page:
    """A page of `list_connected`, newest joined first, like every other list."""
    return paginate_items(
        list_connected(room), key=lambda p: (p.joined_at, p.key), limit=limit, cursor=cursor
    )


def participant_counts(room_ids: list[str]) -> dict[str, int]:
    """How many distinct identities are connected to each room now, by media or chat (as
    `list_connected` counts them), in two queries whatever the number of rooms."""
    people = chat.identities_by_room(room_ids)
    if room_ids:
        media = db.session.execute(
            db.select(Participant.room_id, Participant.identity)
            .where(Participant.room_id.in_(room_ids), Participant.state == "active")
            .distinct()
        )
        for room_id, identity in media:
            people[room_id].add(identity)
    return {room_id: len(identities) for room_id, identities in people.items()}


def participant_count(room: Room) -> int:
    return participant_counts([room.id])[room.id]


def live_tracks(row: Participant) -> list[ParticipantTrack]:
    return [track for track in row.tracks if track.unpublished_at is None]


def find_by_sid(room: Room, sid: str) -> Participant | None:
    return db.session.scalar(
        db.select(Participant).where(Participant.room_id == room.id, Participant.sid == sid)
    )


def active_in_room(room: Room) -> list[Participant]:
    return list(db.session.scalars(_active(room_id=room.id)))


def _from_unix(seconds: int) -> datetime:
    if not seconds:
        return utcnow()
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


# Sessions and time logs ---------------------------------------------------------------------


def end_session(session: Session, *, reason: str) -> None:
    """Close the session, and the time log of anyone still in it."""
    for row in db.session.scalars(_active(session_id=session.id)):
        mark_left(row, reason=reason)
    if session.ended_at is None:
        session.ended_at = utcnow()
    db.session.flush()


def end_open_session(room: Room, *, reason: str) -> bool:
    """End the room's session in progress, if any (and so everyone's time log in it)."""
    current = sessions.open_session(room)
    if current is None:
        return False
    end_session(current, reason=reason)
    return True


def ensure_session(room: Room, livekit_sid: str | None) -> tuple[Session, bool]:
    """The session for LiveKit room instance `livekit_sid`, started if needed; (session, started).

    A different sid than the open session's means LiveKit recreated the room (e.g. after a
    restart): the old period is over and a new one begins.
    """
    current = sessions.open_session(room)
    if current is not None:
        if not livekit_sid or current.livekit_sid in (None, livekit_sid):
            current.livekit_sid = current.livekit_sid or livekit_sid
            return current, False
        end_session(current, reason="reconciled")
    return sessions.start_session(room, livekit_sid), True


# Joins, leaves and tracks, as LiveKit reports them ----------------------------------------------


def record_joined(room: Room, info: livekit.Participant, *, livekit_sid: str, actor: str = "livekit"):
    """Record a LiveKit join (idempotent per sid); the first one makes the room active."""
    existing = find_by_sid(room, info.sid)
    if existing is not None:
        sync_tracks(existing, info.tracks)
        return existing
    session, started = ensure_session(room, livekit_sid)
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


# Removal --------------------------------------------------------------------------------------


def remove_participant(room: Room, identity: str, *, actor: str = "api") -> int:
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
    rows = list(db.session.scalars(_active(room_id=room.id, identity_hash=hash_identity(identity))))
    chatting = any(socket.identity == identity for socket in chat.presence(room.id))
    for row in rows:
        mark_left(row, reason="removed")
    # A room without audio or video never has a LiveKit side to kick from.
    revoked, kicked = shut_out(room, identity, kick=tokens.has_media(room))
    if not rows and not chatting and not kicked:
        db.session.rollback()  # undo the revocation and the closed logs: nothing changed
        raise not_found("participant", param="identity")
    events.emit(room.project_id, "participant.removed", {"room_id": room.id, "identity": identity})
    audit.record(
        room.project_id,
        "participant.removed",
        actor=actor,
        room_id=room.id,
        identity=identity,
        detail={"revoked": revoked},
    )
    return revoked


def shut_out(room: Room, identity: str, *, kick: bool) -> tuple[int, bool]:
    """The one way someone is put out of a room (removed, or denied at the waiting room):
    revoke every token of theirs for the room, then, with `kick`, disconnect them from
    LiveKit; their chat sockets close once the transaction commits. If LiveKit cannot be
    asked this rolls back and raises 502/503, so nothing changed. Returns (tokens revoked,
    whether LiveKit had them)."""
    revoked = tokens.revoke_identity(room, identity)
    db.session.flush()
    try:
        kicked = livekit.remove_participant(room.id, identity) if kick else False
    except ApiError:
        db.session.rollback()
        raise
    room_id = room.id
    after_commit(lambda: participant_removed.send(room_id, identity=identity))
    return revoked, kicked


def eject_token(token_id: str) -> bool:
    """The token expired and was minted with `eject_at_expiry`: revoke it and disconnect
    whoever is connected with it (media now; chat sockets once this commits). Returns whether
    there was anything to do. Raises 502/503 (and changes nothing) if LiveKit cannot be asked."""
    record = db.session.get(JoinToken, token_id)
    if record is None or record.revoked_at is not None:
        return False
    room = db.session.get(Room, record.room_id, with_for_update=True)
    if room is None or room.status == "closed":
        return False
    tokens.revoke_token(record)
    rows = list(db.session.scalars(_active(room_id=room.id, token_id=token_id)))
    for row in rows:
        mark_left(row, reason="expired")
    db.session.flush()
    try:
        for identity in {row.identity for row in rows}:
            livekit.remove_participant(room.id, identity)
    except ApiError:
        db.session.rollback()
        raise
    audit.record(
        room.project_id,
        "participant.ejected",
        actor="schedule",
        room_id=room.id,
        detail={"token_id": token_id, "reason": "token_expired"},
    )
    return True


def disconnect_all(room: Room, *, reason: str) -> None:
    """Everyone leaves (the room is closing): close their time logs and the open session."""
    end_open_session(room, reason=reason)
    for row in active_in_room(room):
        mark_left(row, reason=reason)


def last_activity(room: Room) -> datetime | None:
    """When the last connection ended (None if someone is still connected or nobody ever was)."""
    if participant_count(room):
        return None
    return db.session.scalar(
        db.select(db.func.max(Participant.left_at)).where(Participant.room_id == room.id)
    )

"""The waiting room: people who joined a room with a waiting token, until a host decides.

A waiting token connects to LiveKit hidden and unable to publish, subscribe or send data
(`tokens.needs_admission`), so an unadmitted person can neither see, hear nor be seen, even
with a hand-built client. The queue is filled from LiveKit's joins (webhooks, and
reconciliation when they are lost). Admitting grants the role's rights with LiveKit's
UpdateParticipant (the page reacts to the permission change: no reload, no new link) and puts
the connection on the roster; denying disconnects them and revokes their tokens.
"""

from switchboard.errors import ApiError, not_found
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import Room, WaitingEntry
from switchboard.models.base import isoformat, utcnow
from switchboard.plumbing import audit, events
from switchboard.plumbing.identities import hash_identity
from switchboard.plumbing.pagination import Page, paginate_items
from switchboard.plumbing.signals import waiting_changed
from switchboard.plumbing.transactions import after_commit
from switchboard.services import tokens
from switchboard.services.rooms import roster


def queue_item(entry: WaitingEntry) -> dict:
    """One waiting person as hosts' pages see them."""
    return {
        "identity": entry.identity,
        "name": entry.name,
        "role": entry.role,
        "waiting_since": isoformat(entry.waiting_since),
    }


def _announce(room_id: str, identity: str, status: str, *, entry: dict | None = None, message=None) -> None:
    after_commit(
        lambda: waiting_changed.send(room_id, identity=identity, status=status, entry=entry, message=message)
    )


def _entry(room: Room, identity: str) -> WaitingEntry | None:
    return db.session.scalar(
        db.select(WaitingEntry).where(
            WaitingEntry.room_id == room.id, WaitingEntry.identity_hash == hash_identity(identity)
        )
    )


def arrived(
    room: Room, info: livekit.Participant, *, livekit_sid: str | None, actor: str = "livekit"
) -> None:
    """A LiveKit connection with a waiting token: queue it, or let it straight in again if
    this identity was already admitted (a reload, a new tab)."""
    entry = _entry(room, info.identity)
    if entry is not None and entry.status == "admitted":
        _let_in(room, entry, info.identity, info.role or entry.role)
        return
    now = utcnow()
    if entry is None:
        entry = WaitingEntry(
            project_id=room.project_id,
            room_id=room.id,
            identity=info.identity,
            identity_hash=hash_identity(info.identity),
            waiting_since=now,
        )
        db.session.add(entry)
    elif entry.sid == info.sid:
        return  # the same connection reported twice (webhook and reconciliation)
    entry.name = (info.name or info.identity)[:128]
    entry.role = (info.role or "participant")[:32]
    entry.token_id = info.token_id
    entry.sid = info.sid
    entry.status = "waiting"
    _queued(room, entry, actor=actor)


def _queued(room: Room, entry: WaitingEntry, *, actor: str) -> None:
    """Someone joined the queue: hosts' pages hear it, `participant.waiting`, the audit log."""
    db.session.flush()
    _announce(room.id, entry.identity, "waiting", entry=queue_item(entry))
    data = {"room_id": room.id, "identity": entry.identity, "name": entry.name, "role": entry.role}
    events.emit(room.project_id, "participant.waiting", data)
    audit.record(
        room.project_id,
        "participant.waiting",
        actor=actor,
        room_id=room.id,
        identity=entry.identity,
        detail={"token_id": entry.token_id, "role": entry.role},
    )


def _leave_queue(room: Room, entry: WaitingEntry) -> None:
    """Someone waiting went away before anyone decided: hosts' pages hear it."""
    _announce(room.id, entry.identity, "left")
    db.session.delete(entry)


def left(room: Room, sid: str) -> bool:
    """A waiting connection left before anyone decided: it leaves the queue."""
    entry = db.session.scalar(
        db.select(WaitingEntry).where(
            WaitingEntry.room_id == room.id, WaitingEntry.sid == sid, WaitingEntry.status == "waiting"
        )
    )
    if entry is None:
        return False
    _leave_queue(room, entry)
    db.session.flush()
    return True


def prune(room: Room, live_sids: set[str]) -> int:
    """Drop waiting connections LiveKit no longer has (their leave webhook was lost)."""
    gone = [
        entry
        for entry in db.session.scalars(
            db.select(WaitingEntry).where(WaitingEntry.room_id == room.id, WaitingEntry.status == "waiting")
        )
        if entry.sid and entry.sid not in live_sids
    ]
    for entry in gone:
        _leave_queue(room, entry)
    db.session.flush()
    return len(gone)


def waiting_page(room: Room, *, limit: int, cursor: str | None) -> Page:
    """Who waits now, longest waiting last (newest first, like every list)."""
    rows = list(
        db.session.scalars(
            db.select(WaitingEntry).where(WaitingEntry.room_id == room.id, WaitingEntry.status == "waiting")
        )
    )
    return paginate_items(rows, key=lambda e: (e.waiting_since, e.id), limit=limit, cursor=cursor)


def _waiting(room: Room, identity: str) -> WaitingEntry:
    entry = _entry(room, identity)
    if room.status == "closed" or entry is None or entry.status != "waiting":
        raise not_found("waiting participant", param="identity")
    return entry


def _let_in(room: Room, entry: WaitingEntry, identity: str, role: str, *, live: bool = True) -> None:
    """Their tokens stop waiting; a LiveKit connection gets the role's rights (LiveKit first,
    so a failure changes nothing) and joins the roster. Someone waiting only by chat socket
    has no LiveKit side yet: their next join is let straight in."""
    tokens.admit_identity(room, identity)
    if not live:
        return
    info = livekit.grant_permission(room.id, identity, tokens.grant_for(room, role))
    if info is not None:
        roster.record_joined(room, info, livekit_sid=None)


def admit(room: Room, identity: str, *, actor: str = "api") -> WaitingEntry:
    """Let a waiting person in with their role's rights. 404 if they are not waiting;
    503/502 (and nothing changed) if LiveKit cannot be asked."""
    db.session.refresh(room, with_for_update=True)
    entry = _waiting(room, identity)
    entry.status, entry.decided_at = "admitted", utcnow()
    try:
        _let_in(room, entry, identity, entry.role, live=entry.sid is not None)
    except ApiError:
        db.session.rollback()
        raise
    _announce(room.id, identity, "admitted")
    events.emit(room.project_id, "participant.admitted", {"room_id": room.id, "identity": identity})
    audit.record(room.project_id, "participant.admitted", actor=actor, room_id=room.id, identity=identity)
    return entry


def deny(room: Room, identity: str, *, message: str | None = None, actor: str = "api") -> WaitingEntry:
    """Turn a waiting person away: disconnect them and revoke their tokens for this room.
    `message` is kept for their page and never logged or sent in events."""
    db.session.refresh(room, with_for_update=True)
    entry = _waiting(room, identity)
    entry.status, entry.decided_at, entry.message = "denied", utcnow(), message
    revoked, _kicked = roster.shut_out(room, identity, kick=entry.sid is not None)
    events.emit(room.project_id, "participant.denied", {"room_id": room.id, "identity": identity})
    audit.record(
        room.project_id,
        "participant.denied",
        actor=actor,
        room_id=room.id,
        identity=identity,
        detail={"revoked": revoked},
    )
    _announce(room.id, identity, "denied", message=message)
    return entry


def queue(room: Room) -> list[dict]:
    """Everyone waiting now, longest waiting first (what a host's page shows)."""
    rows = db.session.scalars(
        db.select(WaitingEntry)
        .where(WaitingEntry.room_id == room.id, WaitingEntry.status == "waiting")
        .order_by(WaitingEntry.waiting_since, WaitingEntry.id)
    )
    return [queue_item(entry) for entry in rows]


def socket_arrived(room: Room, identity: str, name: str, role: str, token_id: str) -> None:
    """A waiting token opened the chat socket: it waits too (its page may come before, or
    without, the LiveKit connection)."""
    entry = _entry(room, identity)
    if entry is not None:
        return
    entry = WaitingEntry(
        project_id=room.project_id,
        room_id=room.id,
        identity=identity,
        identity_hash=hash_identity(identity),
        name=name[:128],
        role=role[:32],
        token_id=token_id,
        status="waiting",
        waiting_since=utcnow(),
    )
    db.session.add(entry)
    _queued(room, entry, actor="realtime")


def socket_left(room: Room, identity: str) -> None:
    """The waiting page closed; if LiveKit does not hold them either, they leave the queue."""
    entry = _entry(room, identity)
    if entry is not None and entry.status == "waiting" and entry.sid is None:
        _leave_queue(room, entry)
        db.session.flush()


def denial_message(room: Room, identity: str) -> str | None:
    """What the host said when denying `identity` (None if they were not denied)."""
    entry = _entry(room, identity)
    return entry.message if entry is not None and entry.status == "denied" else None

"""A room's life as LiveKit reports it: webhooks, and reconciliation when webhooks are lost.

- `participant_joined`: the token id in the participant's attributes must be one we issued
  for this room and identity and not revoked, else the participant is removed at once
  (LiveKit cannot revoke tokens; this is how revocation holds). The first join makes the
  room `active` and starts a session.
- `participant_left` / `participant_connection_aborted`: the time log closes.
- `track_published` / `track_unpublished`: the roster's tracks.
- `room_finished` (LiveKit's departure timeout, i.e. the room's `empty_timeout`, passed
  after the last one left): an active room closes.

LiveKit delivers webhooks best effort, so `reconcile()` compares LiveKit's rooms and
participants with ours and repairs the difference.
"""

import logging

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.livekit.webhooks import LiveKitEvent
from switchboard.models import Participant, Room
from switchboard.models.base import utcnow
from switchboard.plumbing import audit
from switchboard.plumbing.outbox import enqueue
from switchboard.services import tokens
from switchboard.services.rooms import roster, sessions, waiting
from switchboard.services.rooms.room import close_room

log = logging.getLogger(__name__)


def _locked_room(room_id: str) -> Room | None:
    """The room, row-locked so concurrent webhooks for one room apply one after another."""
    if not room_id:
        return None
    return db.session.scalar(db.select(Room).where(Room.id == room_id).with_for_update())


def handle_event(event: LiveKitEvent) -> None:
    """Apply one verified LiveKit webhook to our state (idempotent; caller commits)."""
    if event.participant is not None and event.participant.kind == "egress":
        return  # a recording's own hidden participant: not a person, holds no Switchboard token
    room = _locked_room(event.room_name)
    if room is None:
        return  # not a Switchboard room (or one we never had)
    if event.event == "participant_joined" and event.participant:
        _on_joined(room, event.participant, event.room_sid)
    elif event.event in ("participant_left", "participant_connection_aborted") and event.participant:
        row = roster.find_by_sid(room, event.participant.sid)
        if row is not None:
            roster.mark_left(row, reason="left")
        else:
            waiting.left(room, event.participant.sid)
    elif event.event in ("track_published", "track_unpublished") and event.participant and event.track:
        row = roster.find_by_sid(room, event.participant.sid)
        if row is not None:
            roster.record_track(row, event.track, published=event.event == "track_published")
    elif event.event == "room_finished":
        _on_finished(room, event.room_sid)


def _verdict(room: Room, info: livekit.Participant) -> tokens.Verdict:
    # LiveKit checked the token's expiry when it let the participant in.
    return tokens.honoured(info.token_id, room=room, identity=info.identity, check_expiry=False)


def _on_joined(room: Room, info: livekit.Participant, livekit_sid: str, *, actor: str = "livekit") -> str:
    """Apply one LiveKit connection (a join webhook, or one found by reconciliation); returns
    what became of it: `refused`, `waiting` or `joined`."""
    verdict = _verdict(room, info)
    if not verdict:
        _refuse(room, info, actor=actor)
        return "refused"
    if info.hidden:
        # A waiting token: queued, or let in again if this identity was admitted already.
        waiting.arrived(room, info, livekit_sid=livekit_sid, actor=actor)
        return "waiting"
    roster.record_joined(room, info, livekit_sid=livekit_sid, actor=actor)
    return "joined"


def _refuse(room: Room, info: livekit.Participant, *, actor: str) -> None:
    """Kick a connection whose token we do not honour (revoked, unknown, closed room)."""
    audit.record(
        room.project_id,
        "participant.refused",
        actor=actor,
        room_id=room.id,
        identity=info.identity,
        detail={"token_id": info.token_id, "reason": "revoked_or_unknown_token"},
    )
    try:
        livekit.remove_participant(room.id, info.identity)
    except ApiError as err:
        # Try again from the worker; reconciliation also removes it.
        log.warning("could not remove a refused participant now (%s); queued", err.code)
        enqueue("livekit.reconcile_room", {"room_id": room.id})


def _on_finished(room: Room, livekit_sid: str) -> None:
    current = sessions.open_session(room)
    if current is not None and current.livekit_sid and livekit_sid and current.livekit_sid != livekit_sid:
        return  # an older LiveKit instance of this room finished; the current one goes on
    roster.end_open_session(room, reason="left")
    if room.status == "active":
        close_room(room, actor="livekit")


def reconcile_room(room: Room, live: livekit.LiveRoom | None) -> dict:
    """Make our view of one room match LiveKit's (`live` is None when LiveKit has no such room)."""
    stats = {"joined": 0, "left": 0, "removed": 0, "deleted": 0, "closed": 0}
    if room.status == "closed":
        if live is not None and livekit.delete_room(room.id):
            stats["deleted"] += 1
        roster.disconnect_all(room, reason="room_closed")
        return stats
    people = livekit.list_participants(room.id) if live is not None else []
    people = [info for info in people if info.kind != "egress"]  # recorders are not people
    kept = set()
    for info in people:
        new = roster.find_by_sid(room, info.sid) is None
        outcome = _on_joined(room, info, live.sid, actor="reconcile")
        if outcome == "refused":
            stats["removed"] += 1
        elif outcome == "joined":
            kept.add(info.sid)
            stats["joined"] += new
    waiting.prune(room, {info.sid for info in people})
    for row in roster.active_in_room(room):
        if row.sid not in kept and roster.mark_left(row, reason="reconciled"):
            stats["left"] += 1
    if live is None:
        roster.end_open_session(room, reason="reconciled")
        last = roster.last_activity(room)
        if (
            room.status == "active"
            and last is not None
            and (utcnow() - last).total_seconds() >= room.empty_timeout
        ):
            close_room(room, actor="reconcile")
            stats["closed"] += 1
    return stats


def reconcile() -> dict:
    """Compare every LiveKit room with Switchboard's rooms and repair ours (commits per room).

    Covers missed joins and leaves, revoked participants still connected, rooms LiveKit no
    longer has (their participants left; closed once `empty_timeout` has passed) and LiveKit
    rooms of closed rooms (deleted). Raises 503/502 if LiveKit cannot be asked.
    """
    live_rooms = {room.name: room for room in livekit.list_rooms()}
    ours = set(
        db.session.scalars(
            db.select(Room.id).where(
                db.or_(
                    Room.id.in_(list(live_rooms)),
                    Room.status == "active",
                    Room.id.in_(db.select(Participant.room_id).where(Participant.state == "active")),
                )
            )
        )
    )
    totals = {"rooms": 0, "joined": 0, "left": 0, "removed": 0, "deleted": 0, "closed": 0}
    for room_id in sorted(ours):
        room = _locked_room(room_id)
        if room is None:
            continue
        stats = reconcile_room(room, live_rooms.get(room_id))
        db.session.commit()
        totals["rooms"] += 1
        for key, value in stats.items():
            totals[key] += value
    return totals


def reconcile_one(room_id: str) -> dict:
    """Reconcile a single room (after a failed removal, for instance); commits."""
    live = livekit.list_rooms([room_id])
    room = _locked_room(room_id)
    if room is None:
        return {}
    stats = reconcile_room(room, next((r for r in live if r.name == room_id), None))
    db.session.commit()
    return stats

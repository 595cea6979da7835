"""Erasing what a closed room recorded about people: chat, sessions, participants, tokens,
the waiting room and the recording-consent ledger.

Each part that stores per-person data for a room has its eraser in `ERASERS`. Events already
sent as webhooks keep their id and type but lose their payload. The audit log stays: it
holds identities only as hashes.
"""

from collections.abc import Callable

from switchboard.errors import conflict
from switchboard.extensions import db
from switchboard.models import (
    ChatMessage,
    ChatPresence,
    ChatSequence,
    Event,
    JoinToken,
    Participant,
    ParticipantTrack,
    Room,
    Session,
    WaitingEntry,
)
from switchboard.plumbing import audit
from switchboard.services import recordings


def _erase_participants(room: Room) -> int:
    ids = db.select(Participant.id).where(Participant.room_id == room.id)
    db.session.execute(db.delete(ParticipantTrack).where(ParticipantTrack.participant_id.in_(ids)))
    return db.session.execute(db.delete(Participant).where(Participant.room_id == room.id)).rowcount or 0


def _erase_sessions(room: Room) -> int:
    return db.session.execute(db.delete(Session).where(Session.room_id == room.id)).rowcount or 0


def _erase_tokens(room: Room) -> int:
    return db.session.execute(db.delete(JoinToken).where(JoinToken.room_id == room.id)).rowcount or 0


def _erase_waiting(room: Room) -> int:
    return db.session.execute(db.delete(WaitingEntry).where(WaitingEntry.room_id == room.id)).rowcount or 0


def _erase_chat(room: Room) -> int:
    db.session.execute(db.delete(ChatPresence).where(ChatPresence.room_id == room.id))
    db.session.execute(db.delete(ChatSequence).where(ChatSequence.room_id == room.id))
    return db.session.execute(db.delete(ChatMessage).where(ChatMessage.room_id == room.id)).rowcount or 0


# Event types whose payload names people or carries what they said.
PERSONAL_EVENTS = (
    "participant.joined",
    "participant.left",
    "participant.removed",
    "participant.waiting",
    "participant.admitted",
    "participant.denied",
    "message.created",
)


def _erase_consents(room: Room) -> int:
    return recordings.erase_consents(room.id)


def _redact_events(room: Room) -> int:
    return (
        db.session.execute(
            db.update(Event)
            .where(
                Event.project_id == room.project_id,
                Event.type.in_(PERSONAL_EVENTS),
                Event.data["room_id"].as_string() == room.id,
            )
            .values(data={"room_id": room.id, "redacted": True})
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


# Order matters: rows first, then what they point at.
ERASERS: dict[str, Callable[[Room], int]] = {
    "messages": _erase_chat,
    "events": _redact_events,
    "participants": _erase_participants,
    "waiting": _erase_waiting,
    "consents": _erase_consents,
    "sessions": _erase_sessions,
    "tokens": _erase_tokens,
}


def purge_room(room: Room) -> dict[str, int]:
    """Erase a closed room's per-person records; 409 `room_not_closed` otherwise."""
    if room.status != "closed":
        raise conflict("Only a closed room can be purged; close it first.", code="room_not_closed")
    erased = {name: erase(room) for name, erase in ERASERS.items()}
    db.session.expire_all()
    audit.record(room.project_id, "room.purged", room_id=room.id, detail={"erased": erased})
    return erased

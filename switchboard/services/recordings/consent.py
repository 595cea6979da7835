"""Recording consent for rooms with `recording_consent: "required"`.

A recording of such a room is created `awaiting_consent` and starts no egress. Everyone
connected at that moment (on the roster, or with an open chat socket) is asked: one ledger
row each, `accepted` and `at` empty. Each answers once over the chat socket. When all have
accepted the recording becomes `starting` and the `recordings.start` job asks egress to start
it; the first decline fails it with `consent_declined`; the `recordings.consent_timeout` job,
due `RECORDING_CONSENT_TIMEOUT_SECONDS` (120 s) after the request, fails it with
`consent_timeout` if it is still waiting. Every answer is an audit entry (identity as HMAC).
"""

from datetime import timedelta

from flask import current_app

from switchboard.errors import ApiError, conflict, not_found
from switchboard.extensions import db
from switchboard.models import ChatPresence, Participant, Recording, RecordingConsent, Room
from switchboard.models.base import utcnow
from switchboard.plumbing import audit
from switchboard.plumbing.identities import hash_identity
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.signals import consent_closed, consent_requested
from switchboard.plumbing.transactions import after_commit
from switchboard.services.recordings.transitions import fail

AWAITING = "awaiting_consent"


def required(room: Room) -> bool:
    return room.recording_consent == "required"


def _connected(room: Room) -> list[str]:
    """Who is in the room now: its roster (LiveKit) and its chat sockets, one entry each."""
    stale = current_app.config["REALTIME_PRESENCE_STALE_SECONDS"]
    fresh_after = utcnow() - timedelta(seconds=stale)
    on_roster = db.session.scalars(
        db.select(Participant.identity).where(Participant.room_id == room.id, Participant.state == "active")
    )
    in_chat = db.session.scalars(
        db.select(ChatPresence.identity).where(
            ChatPresence.room_id == room.id, ChatPresence.seen_at >= fresh_after
        )
    )
    return sorted(set(on_roster) | set(in_chat))


def check_askable(room: Room) -> list[str]:
    """The identities to ask, or 409 when consent cannot be asked in this room."""
    if not room.has("chat"):
        raise conflict(
            "This room requires recording consent, which is asked over the chat socket, but it "
            "has no `chat` capability; add `chat` or set `recording_consent` to `notice`.",
            code="consent_unavailable",
        )
    identities = _connected(room)
    if not identities:
        raise conflict(
            "Nobody is connected to this room to give consent; start recording once the call has begun.",
            code="room_not_active",
        )
    return identities


def ask(rec: Recording, identities: list[str], *, actor: str) -> None:
    """Write the ledger rows, schedule the timeout and (after commit) ask each person."""
    now = utcnow()
    for identity in identities:
        db.session.add(
            RecordingConsent(
                recording_id=rec.id,
                room_id=rec.room_id,
                identity=identity,
                identity_hash=hash_identity(identity),
                asked_at=now,
            )
        )
    wait = current_app.config["RECORDING_CONSENT_TIMEOUT_SECONDS"]
    enqueue("recordings.consent_timeout", {"recording_id": rec.id}, run_at=now + timedelta(seconds=wait))
    audit.record(
        rec.project_id,
        "recording.consent_requested",
        actor=actor,
        room_id=rec.room_id,
        detail={"recording_id": rec.id},
    )
    room_id, rec_id, asked = rec.room_id, rec.id, list(identities)
    after_commit(lambda: consent_requested.send(room_id, recording_id=rec_id, identities=asked))


def ledger(rec: Recording) -> list[RecordingConsent]:
    """Everyone asked for `rec`, in the order they answered (unanswered last)."""
    rows = db.session.scalars(db.select(RecordingConsent).where(RecordingConsent.recording_id == rec.id))
    return sorted(rows, key=lambda row: (row.at is None, row.at or row.asked_at, row.identity))


def pending_for(room_id: str, identity: str) -> list[str]:
    """Recordings of the room still awaiting an answer from `identity` (for a reconnecting page)."""
    return list(
        db.session.scalars(
            db.select(RecordingConsent.recording_id)
            .join(Recording, Recording.id == RecordingConsent.recording_id)
            .where(
                RecordingConsent.room_id == room_id,
                RecordingConsent.identity_hash == hash_identity(identity),
                RecordingConsent.accepted.is_(None),
                Recording.status == AWAITING,
            )
        )
    )


def last_answer_at(rec: Recording):
    return db.session.scalar(
        db.select(db.func.max(RecordingConsent.at)).where(RecordingConsent.recording_id == rec.id)
    )


def answer(room_id: str, recording_id: str, identity: str, accept: bool) -> Recording:
    """Record one person's answer (once). Raises ApiError (the socket sends it as `error`):
    `not_found`, `not_asked`, `already_answered`, `consent_closed`. The caller commits."""
    rec = db.session.scalar(
        db.select(Recording)
        .where(Recording.id == recording_id, Recording.room_id == room_id)
        .with_for_update()
    )
    if rec is None:
        raise not_found("recording", param="recording_id")
    row = db.session.scalar(
        db.select(RecordingConsent).where(
            RecordingConsent.recording_id == rec.id,
            RecordingConsent.identity_hash == hash_identity(identity),
        )
    )
    if row is None:
        raise ApiError(
            403, "You were not asked to consent to this recording.", code="not_asked", param="recording_id"
        )
    if row.accepted is not None:
        raise conflict("You have already answered for this recording.", code="already_answered")
    if rec.status != AWAITING:
        raise conflict("This recording no longer waits for consent.", code="consent_closed")
    row.accepted, row.at = accept, utcnow()
    audit.record(
        rec.project_id,
        "recording.consent_given" if accept else "recording.consent_declined",
        actor="participant",
        room_id=rec.room_id,
        identity=identity,
        detail={"recording_id": rec.id},
    )
    db.session.flush()
    if not accept:
        fail(rec, "consent_declined", "A participant declined to be recorded; nothing was recorded.")
    elif all(other.accepted for other in ledger(rec)):
        rec.status = "starting"
        enqueue("recordings.start", {"recording_id": rec.id})
        db.session.flush()
        rec_id = rec.id
        after_commit(lambda: consent_closed.send(room_id, recording_id=rec_id, outcome="accepted"))
    return rec


def run_timeout(recording_id: str) -> None:
    """Fail the recording with `consent_timeout` if it still waits for answers. Commits."""
    rec = db.session.scalar(db.select(Recording).where(Recording.id == recording_id).with_for_update())
    if rec is not None and rec.status == AWAITING:
        fail(
            rec,
            "consent_timeout",
            "Not everyone answered the consent request in time; nothing was recorded.",
            actor="consent",
        )
    db.session.commit()


def erase_room(room_id: str) -> int:
    """Delete a purged room's ledger (the audit log keeps each answer with a hashed identity)."""
    result = db.session.execute(db.delete(RecordingConsent).where(RecordingConsent.room_id == room_id))
    return result.rowcount or 0

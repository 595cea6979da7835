"""Sessions: each active period of a room (one LiveKit room instance) and its time logs."""

from switchboard.extensions import db
from switchboard.models import Participant, Room, Session
from switchboard.models.base import utcnow
from switchboard.services.ownership import get_owned
from switchboard.services.pagination import paginate


def open_session(room: Room) -> Session | None:
    """The room's session in progress, if any."""
    return db.session.scalar(
        db.select(Session)
        .where(Session.room_id == room.id, Session.ended_at.is_(None))
        .order_by(Session.started_at.desc())
        .limit(1)
    )


def ensure_session(room: Room, livekit_sid: str | None) -> tuple[Session, bool]:
    """The session for LiveKit room instance `livekit_sid`, started if needed; (session, started).

    A different sid than the open session's means LiveKit recreated the room (e.g. after a
    restart): the old period is over and a new one begins.
    """
    current = open_session(room)
    if current is not None:
        if not livekit_sid or current.livekit_sid in (None, livekit_sid):
            current.livekit_sid = current.livekit_sid or livekit_sid
            return current, False
        end_session(current, reason="reconciled")
    session = Session(project_id=room.project_id, room_id=room.id, livekit_sid=livekit_sid or None)
    session.started_at = session.created_at = utcnow()
    db.session.add(session)
    db.session.flush()
    return session, True


def end_session(session: Session, *, reason: str) -> None:
    """Close the session, and the time log of anyone still in it."""
    from switchboard.services import participants

    for row in participants.active_in_session(session):
        participants.mark_left(row, reason=reason)
    if session.ended_at is None:
        session.ended_at = utcnow()
    db.session.flush()


def list_sessions(room: Room, *, limit: int, cursor: str | None):
    """A page of the room's sessions, newest first."""
    return paginate(db.select(Session).where(Session.room_id == room.id), Session, limit=limit, cursor=cursor)


def get_session(project_id: str, session_id: str) -> Session:
    return get_owned(Session, project_id, session_id, noun="session", param="session_id")


def time_logs(session: Session) -> list[Participant]:
    """Every connection during the session, in join order."""
    return list(
        db.session.scalars(
            db.select(Participant)
            .where(Participant.session_id == session.id)
            .order_by(Participant.joined_at, Participant.id)
        )
    )

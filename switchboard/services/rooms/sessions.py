"""Sessions: each active period of a room (one LiveKit room instance). Who was connected
during one (the time logs) is the roster's; see `roster.end_session`."""

from switchboard.extensions import db
from switchboard.models import Participant, Room, Session
from switchboard.models.base import utcnow
from switchboard.plumbing.ownership import get_owned
from switchboard.plumbing.pagination import Page, paginate


def open_session(room: Room) -> Session | None:
    """The room's session in progress, if any."""
    return db.session.scalar(
        db.select(Session)
        .where(Session.room_id == room.id, Session.ended_at.is_(None))
        .order_by(Session.started_at.desc())
        .limit(1)
    )


def start_session(room: Room, livekit_sid: str | None) -> Session:
    """Begin a new active period of the room."""
    session = Session(project_id=room.project_id, room_id=room.id, livekit_sid=livekit_sid or None)
    session.started_at = session.created_at = utcnow()
    db.session.add(session)
    db.session.flush()
    return session


def list_sessions(room: Room, *, limit: int, cursor: str | None) -> Page:
    """A page of the room's sessions, newest first."""
    return paginate(db.select(Session).where(Session.room_id == room.id), Session, limit=limit, cursor=cursor)


def get_session(project_id: str, session_id: str) -> Session:
    return get_owned(Session, project_id, session_id, noun="session", param="session_id")


def time_logs(sessions: list[Session]) -> dict[str, list[Participant]]:
    """Every connection during each session, in join order, keyed by session id (one query)."""
    logs: dict[str, list[Participant]] = {session.id: [] for session in sessions}
    if not logs:
        return logs
    rows = db.session.scalars(
        db.select(Participant)
        .where(Participant.session_id.in_(list(logs)))
        .order_by(Participant.joined_at, Participant.id)
    )
    for row in rows:
        logs[row.session_id].append(row)
    return logs

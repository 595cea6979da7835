"""Rooms themselves: create, find, change and close."""

from flask import current_app

from switchboard.errors import conflict, not_found, validation
from switchboard.extensions import db
from switchboard.models import Room
from switchboard.models.base import new_id, utcnow
from switchboard.plumbing import audit, events
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.ownership import get_owned
from switchboard.plumbing.pagination import Page, paginate
from switchboard.plumbing.signals import room_closed
from switchboard.plumbing.transactions import after_commit
from switchboard.services import recordings, tokens
from switchboard.services.rooms import livekit_sync, roster
from switchboard.services.rooms.specs import RoomCreate, RoomUpdate


def _allowed_regions() -> list[str]:
    configured = current_app.config.get("REGIONS") or []
    return configured or [current_app.config["DEFAULT_REGION"]]


def create_room(project_id: str, fields: RoomCreate) -> Room:
    """Create an idle room from validated fields and emit `room.created`."""
    config = current_app.config
    _check_future(fields.ends_at, "room.ends_at")
    region = fields.region or config["DEFAULT_REGION"]
    if region not in _allowed_regions():
        raise validation(
            f"'room.region' must be one of: {', '.join(_allowed_regions())}.",
            param="room.region",
            code="invalid_field",
        )
    room = Room(
        id=new_id("rm"),
        project_id=project_id,
        name=fields.name,
        status="idle",
        capabilities=list(fields.capabilities),
        max_participants=fields.max_participants or config["DEFAULT_MAX_PARTICIPANTS"],
        empty_timeout=fields.empty_timeout or config["DEFAULT_EMPTY_TIMEOUT"],
        region=region,
        metadata_=fields.metadata or {},
        roles=_roles_to_json(fields.roles),
        waiting_room=fields.waiting_room,
        recording_consent=fields.recording_consent,
        created_at=utcnow(),
    )
    # No flush: the id is ours, and the commit writes the room, its event, job and audit entry.
    db.session.add(room)
    if fields.ends_at is not None:
        schedule_end(room, fields.ends_at, param="room.ends_at")
    events.emit(project_id, "room.created", {"room_id": room.id, "name": room.name})
    audit.record(project_id, "room.created", room_id=room.id)
    return room


def _check_future(ends_at, param: str) -> None:
    if ends_at is not None and ends_at <= utcnow():
        raise validation(f"'{param}' must be in the future.", param=param, code="invalid_field")


def schedule_end(room: Room, ends_at, *, param: str) -> None:
    """Close the room at `ends_at` (a `rooms.end` job due then; a later change of `ends_at`
    leaves the old job nothing to do)."""
    _check_future(ends_at, param)
    room.ends_at = ends_at
    enqueue("rooms.end", {"room_id": room.id, "ends_at": ends_at.isoformat()}, run_at=ends_at)


def end_if_due(room_id: str, ends_at: str) -> bool:
    """The `rooms.end` job: close the room if it is still meant to end at `ends_at` and that
    time has come. Returns whether it closed the room."""
    room = db.session.get(Room, room_id)
    if room is None or room.status == "closed" or room.ends_at is None:
        return False
    if room.ends_at.isoformat() != ends_at or room.ends_at > utcnow():
        return False
    close_room(room, actor="schedule")
    return True


def _roles_to_json(roles) -> dict | None:
    if roles is None:
        return None
    # `admit` only where it is granted: policies written before the waiting room read as they did.
    return {
        name: policy.model_dump(exclude=None if policy.admit else {"admit"}) for name, policy in roles.items()
    }


def get_room(project_id: str, room_id: str) -> Room:
    """The project's room `room_id`; another project's room is as absent as a missing one."""
    return get_owned(Room, project_id, room_id, noun="room", param="room_id")


def find_room(room_id: str) -> Room:
    """Any project's room (the admin sees every project); 404 when there is none."""
    room = db.session.get(Room, room_id)
    if room is None:
        raise not_found("room", param="room_id")
    return room


def list_rooms(project_id: str | None, *, status: str | None, limit: int, cursor: str | None) -> Page:
    """A page of the project's rooms (every project's with None), newest first, optionally
    filtered by status."""
    query = db.select(Room)
    if project_id is not None:
        query = query.where(Room.project_id == project_id)
    if status:
        query = query.where(Room.status == status)
    return paginate(query, Room, limit=limit, cursor=cursor)


def update_room(room: Room, fields: RoomUpdate) -> Room:
    """Apply the fields present in an update; a closed room cannot change."""
    if room.status == "closed":
        raise conflict("This room is closed and can no longer be changed.", code="room_closed")
    sent = fields.model_fields_set
    if "ends_at" in sent:
        _check_future(fields.ends_at, "room.ends_at")
    for name in ("name", "max_participants", "empty_timeout", "waiting_room", "recording_consent"):
        if name in sent:
            setattr(room, name, getattr(fields, name))
    if "ends_at" in sent:
        if fields.ends_at is None:
            room.ends_at = None
        else:
            schedule_end(room, fields.ends_at, param="room.ends_at")
    if "metadata" in sent:
        room.metadata_ = fields.metadata or {}
    if "roles" in sent:
        room.roles = _roles_to_json(fields.roles)
    db.session.flush()
    audit.record(room.project_id, "room.updated", room_id=room.id, detail={"fields": sorted(sent)})
    if "metadata" in sent and room.status == "active":
        # LiveKit can change a live room's metadata; its participant cap and timeouts are
        # fixed for the life of the LiveKit room, so those apply from the next session.
        livekit_sync.update_room_soon(room)
    return room


def close_room(room: Room, *, actor: str = "api") -> Room:
    """Close the room (idempotent): revoke its tokens and emit `room.closed` the first time.

    Everyone's time log ends now; the LiveKit room is deleted right after commit, and if
    LiveKit cannot be reached then, by the `livekit.delete_room` job and reconciliation.
    """
    if room.status == "closed":
        return room
    roster.disconnect_all(room, reason="room_closed")
    room.status = "closed"
    room.closed_at = utcnow()
    revoked = tokens.revoke_room(room)
    recordings.stop_room_recordings(room, actor=actor)
    db.session.flush()
    events.emit(room.project_id, "room.closed", {"room_id": room.id})
    audit.record(room.project_id, "room.closed", actor=actor, room_id=room.id, detail={"revoked": revoked})
    livekit_sync.delete_room_soon(room)
    room_id = room.id
    after_commit(lambda: room_closed.send(room_id))
    return room

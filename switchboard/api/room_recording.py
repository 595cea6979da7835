"""The meeting page's view of recording, authenticated by the join token (no API key):
everyone sees whether the room is being recorded; hosts can start and stop it."""

from typing import Literal

from pydantic import Field

from switchboard.api import bp
from switchboard.api.auth import join_token_from_query
from switchboard.api.endpoint import endpoint, ok
from switchboard.api.schemas.common import ResponseModel
from switchboard.api.schemas.recordings import RecordingOut
from switchboard.api.validation import parse_body
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.plumbing.validation import RequestModel
from switchboard.services import recordings

TAG = "Recordings"
TOKEN_QUERY = (("token", {"type": "string", "minLength": 1}, "The join token.", True),)
TOKEN_ERRORS = {
    "401": {"description": "The token is invalid, expired or revoked."},
    "403": {"description": "The token's role may not do this (only hosts start and stop)."},
}


class RoomRecordingOut(ResponseModel):
    recording: RecordingOut | None = Field(description="The room's running (or last) recording, if any.")
    recordable: bool = Field(description="The room has the `recording` capability.")
    can_control: bool = Field(description="This token may start and stop recordings (hosts).")


class RoomRecordingAction(RequestModel):
    action: Literal["start", "stop"]
    layout: Literal["grid", "speaker", "single"] = "speaker"


def _admitted():
    _claims, record, room = join_token_from_query()
    return record, room


def _state(record, room) -> dict:
    rec = recordings.latest_recording(room.id)
    return RoomRecordingOut(
        recording=RecordingOut.build(rec) if rec is not None else None,
        recordable=room.has("recording"),
        can_control=record.role == "host" and room.has("recording"),
    ).dump()


@bp.get("/realtime/recording")
@endpoint(
    "Whether a join token's room is being recorded",
    response=RoomRecordingOut,
    public=True,
    tag=TAG,
    query=TOKEN_QUERY,
    responses={"401": TOKEN_ERRORS["401"]},
    description="For the meeting page: every participant sees the recording indicator from this.",
)
def room_recording():
    return ok(_state(*_admitted()))


@bp.post("/realtime/recording")
@endpoint(
    "Start or stop the room's recording as its host",
    body=RoomRecordingAction,
    response=RoomRecordingOut,
    public=True,
    tag=TAG,
    query=TOKEN_QUERY,
    responses={
        **TOKEN_ERRORS,
        "502": {"description": "LiveKit refused the egress (`livekit_error`)."},
        "503": {"description": "No egress worker answered (`unavailable`); the recording is `failed`."},
    },
    description="Join-token authenticated; only `host` tokens may do it (403 otherwise). Same rules "
    "and errors as `POST /rooms/:room_id/recordings` and `POST /recordings/:id/stop`.",
)
def control_room_recording():
    record, room = _admitted()
    fields = parse_body(RoomRecordingAction)
    if record.role != "host":
        raise ApiError(403, "Only hosts can start or stop recordings.", code="forbidden")
    if fields.action == "start":
        spec = recordings.RecordingCreate(layout=fields.layout)
        recordings.start_recording(room, spec, actor="host")
    else:
        rec = recordings.active_recording(room.id)
        if rec is not None:
            recordings.stop_recording(rec, actor="host")
    db.session.flush()
    return ok(_state(record, room))

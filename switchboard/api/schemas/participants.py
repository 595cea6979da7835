"""Participant, session and purge response bodies."""

from typing import Literal

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp


class TrackOut(ResponseModel):
    sid: str = Field(examples=["TR_VCbx8Lq3"])
    kind: Literal["audio", "video", "data"]
    source: str = Field(description="camera, microphone, screen_share, screen_share_audio or unknown.")
    muted: bool


class ParticipantOut(ResponseModel):
    identity: str
    name: str
    role: str
    state: Literal["active", "chat"] = Field(
        description="`active`: connected to the room's media now (and perhaps its chat); "
        "`chat`: connected only by the chat socket."
    )
    joined_at: Timestamp
    tracks: list[TrackOut]


class ParticipantRemovedOut(ResponseModel):
    identity: str
    status: Literal["removed"]


class TimeLogOut(ResponseModel):
    identity: str
    name: str
    role: str
    joined_at: Timestamp
    left_at: Timestamp | None
    duration_seconds: int = Field(description="Connected time so far, in whole seconds.")
    left_reason: str | None = Field(
        description="left, removed, room_closed or reconciled (LiveKit no longer had the connection)."
    )


class SessionOut(ResponseModel):
    id: str = Field(examples=["ses_Q2w8Zk3mN7"])
    room_id: str
    started_at: Timestamp
    ended_at: Timestamp | None
    duration_seconds: int
    participants: list[TimeLogOut] = Field(description="One entry per connection, in join order.")


class RoomPurgedOut(ResponseModel):
    room_id: str
    status: Literal["purged"]
    erased: dict[str, int] = Field(description="How many records of each kind were erased.")

"""Participant, session and purge response bodies."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat, utcnow
from switchboard.plumbing.validation import RequestModel


def _seconds(start, end) -> int:
    return max(0, int(((end or utcnow()) - start).total_seconds()))


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

    @classmethod
    def build(cls, person) -> "ParticipantOut":
        return cls(
            identity=person.identity,
            name=person.name,
            role=person.role,
            state=person.state,
            joined_at=isoformat(person.joined_at),
            tracks=[TrackOut(sid=t.sid, kind=t.kind, source=t.source, muted=t.muted) for t in person.tracks],
        )


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

    @classmethod
    def build(cls, row) -> "TimeLogOut":
        return cls(
            identity=row.identity,
            name=row.name,
            role=row.role,
            joined_at=isoformat(row.joined_at),
            left_at=isoformat(row.left_at),
            duration_seconds=_seconds(row.joined_at, row.left_at),
            left_reason=row.left_reason,
        )


class SessionOut(ResponseModel):
    id: str = Field(examples=["ses_Q2w8Zk3mN7"])
    room_id: str
    started_at: Timestamp
    ended_at: Timestamp | None
    duration_seconds: int
    participants: list[TimeLogOut] = Field(description="One entry per connection, in join order.")

    @classmethod
    def build(cls, session, *, time_logs: list) -> "SessionOut":
        return cls(
            id=session.id,
            room_id=session.room_id,
            started_at=isoformat(session.started_at),
            ended_at=isoformat(session.ended_at),
            duration_seconds=_seconds(session.started_at, session.ended_at),
            participants=[TimeLogOut.build(row) for row in time_logs],
        )


class RoomPurgedOut(ResponseModel):
    room_id: str
    status: Literal["purged"]
    erased: dict[str, int] = Field(description="How many records of each kind were erased.")


class WaitingOut(ResponseModel):
    identity: str
    name: str
    role: str
    waiting_since: Timestamp

    @classmethod
    def build(cls, entry) -> "WaitingOut":
        return cls(
            identity=entry.identity,
            name=entry.name,
            role=entry.role,
            waiting_since=isoformat(entry.waiting_since),
        )


class WaitingDecisionOut(ResponseModel):
    identity: str
    status: Literal["admitted", "denied"]


class DenyBody(RequestModel):
    message: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="Shown to the person on their page (e.g. 'Please book another slot'). Never logged.",
    )

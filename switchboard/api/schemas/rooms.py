"""Room request envelopes and the room response body."""

from typing import Literal

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat
from switchboard.plumbing.validation import RequestModel
from switchboard.services.rooms.specs import Capability, ConsentMode, RoomCreate, RoomUpdate


class RoomCreateBody(RequestModel):
    room: RoomCreate


class RoomUpdateBody(RequestModel):
    room: RoomUpdate


class RoomOut(ResponseModel):
    id: str = Field(examples=["rm_8Xk2p9QwZ"])
    name: str
    status: Literal["idle", "active", "closed"]
    capabilities: list[Capability]
    max_participants: int
    empty_timeout: int
    region: str
    metadata: dict
    roles: dict[str, dict] | None
    participant_count: int
    waiting_room: bool
    ends_at: Timestamp | None = Field(description="When the room closes by itself; null for never.")
    recording_consent: ConsentMode
    created_at: Timestamp
    closed_at: Timestamp | None

    @classmethod
    def build(cls, room, *, participant_count: int) -> "RoomOut":
        return cls(
            id=room.id,
            name=room.name,
            status=room.status,
            capabilities=room.capabilities,
            max_participants=room.max_participants,
            empty_timeout=room.empty_timeout,
            region=room.region,
            metadata=room.metadata_ or {},
            roles=room.roles,
            participant_count=participant_count,
            waiting_room=bool(room.waiting_room),
            ends_at=isoformat(room.ends_at),
            recording_consent=room.recording_consent or "notice",
            created_at=isoformat(room.created_at),
            closed_at=isoformat(room.closed_at),
        )

"""Chat message and realtime-session response bodies."""

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat
from switchboard.services.rooms.specs import Capability


class MessageOut(ResponseModel):
    id: str = Field(examples=["msg_1a2B3cD4e5F6g7H8"])
    room_id: str = Field(examples=["rm_8Xk2p9QwZ"])
    from_: str = Field(
        alias="from", description="The sender's participant identity.", examples=["clinician-22"]
    )
    body: str = Field(description="1-4000 characters.")
    sent_at: Timestamp
    seq: int = Field(
        description="Position in the room: 1, 2, 3 … with no gaps; every member sees this order."
    )

    @classmethod
    def build(cls, message) -> "MessageOut":
        return cls(
            id=message.id,
            room_id=message.room_id,
            from_=message.sender_identity,
            body=message.body,
            sent_at=isoformat(message.sent_at),
            seq=message.seq,
        )


class RealtimeInfoOut(ResponseModel):
    room_id: str
    room_name: str
    identity: str
    name: str
    role: str
    capabilities: list[Capability]
    can_chat: bool = Field(description="May send chat messages and typing (viewers usually may not).")
    can_publish: list[str] = Field(
        description="Track sources this token may publish: camera, microphone, screen_share."
    )
    livekit_url: str | None = Field(
        description="LiveKit ws/wss URL for video/audio; null when the room has neither."
    )
    realtime_url: str | None = Field(
        description="The chat WebSocket URL (without the token); null without `chat`."
    )
    expires_at: Timestamp
    waiting: bool = Field(
        description="The token waits in the waiting room: connected hidden, without rights, until a "
        "host admits it (LiveKit then updates its permissions; no new token is needed)."
    )
    ends_at: Timestamp | None = Field(description="When the room closes by itself; null for never.")

    @classmethod
    def build(cls, claims, record, room, *, livekit_url: str | None, realtime_url: str | None):
        return cls(
            room_id=room.id,
            room_name=room.name,
            identity=claims.identity,
            name=claims.name or claims.identity,
            role=claims.role,
            capabilities=room.capabilities,
            can_chat=claims.chat,
            can_publish=list((record.grant or {}).get("publish") or []),
            livekit_url=livekit_url,
            realtime_url=realtime_url,
            expires_at=isoformat(record.expires_at),
            waiting=bool((record.grant or {}).get("waiting")),
            ends_at=isoformat(room.ends_at),
        )

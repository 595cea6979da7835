"""The join token response body (the request is `services.tokens.specs.TokenCreate`)."""

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat


class TokenOut(ResponseModel):
    token: str = Field(description="LiveKit access token (JWT, HS256); also opens the chat socket.")
    url: str = Field(
        description="The LiveKit ws/wss URL to connect to.", examples=["wss://media.example.com"]
    )
    expires_at: Timestamp
    join_url: str = Field(
        description="PUBLIC_URL/join/<room_id>#token=<token>: the token stays in the fragment."
    )
    identity: str
    role: str

    @classmethod
    def build(cls, issued) -> "TokenOut":
        return cls(
            token=issued.jwt,
            url=issued.livekit_url,
            expires_at=isoformat(issued.record.expires_at),
            join_url=issued.join_url,
            identity=issued.identity,
            role=issued.record.role,
        )

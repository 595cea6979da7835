"""Join token request and response bodies."""

from typing import Annotated

from pydantic import Field, StringConstraints

from switchboard.api.schemas.common import DisplayName, Metadata, RequestModel, ResponseModel, Timestamp
from switchboard.api.schemas.rooms import RoleName

Identity = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._:@-]{1,128}$"),
    Field(description="Who joins: 1-128 characters of A-Za-z0-9._:@-", examples=["patient-9182"]),
]


class TokenCreate(RequestModel):
    identity: Identity
    role: RoleName = Field(
        default="participant",
        description="`host` (publish all, moderate), `viewer` (receive only) or any other name "
        "(participant rights unless the room's `roles` policy defines it).",
    )
    name: DisplayName | None = Field(default=None, description="Display name; defaults to the identity.")
    ttl_seconds: Annotated[int, Field(ge=60, le=86400)] = Field(
        default=3600, description="60-86400, default 3600."
    )
    metadata: Metadata | None = None


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

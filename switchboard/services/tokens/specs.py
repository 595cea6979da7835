"""What minting a join token accepts (validated the same for the API and the admin)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from switchboard.plumbing.validation import DisplayName, Metadata, RequestModel

Source = Literal["camera", "microphone", "screen_share"]
RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
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
    eject_at_expiry: bool = Field(
        default=False,
        description="Remove the participant from the room when the token expires (LiveKit itself "
        "checks expiry only when someone connects). Within 5 s of `expires_at`.",
    )

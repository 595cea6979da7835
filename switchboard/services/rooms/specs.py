"""What creating and changing a room accepts (validated the same for the API and the admin)."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from switchboard.plumbing.validation import DisplayName, Metadata, RequestModel
from switchboard.services.tokens.specs import RoleName, Source

Capability = Literal["video", "audio", "chat", "recording"]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


def _unique(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


def _role_count(roles: dict | None) -> dict | None:
    if roles is not None and len(roles) > 32:
        raise ValueError("may define at most 32 roles")
    return roles


class RolePolicy(RequestModel):
    """What one role may do in this room. Room capabilities still cap every role."""

    publish: Annotated[list[Source], AfterValidator(_unique)] | None = Field(
        default=None,
        description="Track sources this role may publish; omitted means the built-in default "
        "for the role (all for host and participant roles, none for viewer).",
    )
    subscribe: bool = Field(default=True, description="May receive others' tracks.")
    chat: bool = Field(default=True, description="May send chat messages.")
    moderate: bool = Field(default=False, description="May remove participants and mute tracks.")


Roles = Annotated[
    dict[RoleName, RolePolicy],
    AfterValidator(_role_count),
    Field(description="Per-role policy keyed by role name; roles not listed keep their defaults."),
]
Capabilities = Annotated[
    list[Capability],
    Field(
        min_length=1,
        description="`video` means camera, microphone and screen share; "
        "`audio` alone makes an audio-only room.",
    ),
    AfterValidator(_unique),
]


class RoomCreate(RequestModel):
    name: DisplayName
    capabilities: Capabilities
    max_participants: Annotated[int, Field(ge=1, le=10000)] | None = Field(
        default=None, description="Hard cap on concurrent participants; default from config."
    )
    empty_timeout: Annotated[int, Field(ge=1, le=86400)] | None = Field(
        default=None,
        description="Seconds the room stays open after the last participant leaves (default 300).",
    )
    region: Region | None = Field(default=None, description="Media region; default from config.")
    metadata: Metadata | None = None
    roles: Roles | None = None


class RoomUpdate(RequestModel):
    """Only the fields sent are changed. `metadata: null` clears it; `roles: null` removes the policy."""

    name: DisplayName = None  # type: ignore[assignment]
    max_participants: Annotated[int, Field(ge=1, le=10000)] = None  # type: ignore[assignment]
    empty_timeout: Annotated[int, Field(ge=1, le=86400)] = None  # type: ignore[assignment]
    metadata: Metadata | None = None
    roles: Roles | None = None

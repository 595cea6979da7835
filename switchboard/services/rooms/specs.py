"""What creating and changing a room accepts (validated the same for the API and the admin)."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from switchboard.plumbing.validation import DisplayName, Metadata, RequestModel
from switchboard.services.tokens.specs import RoleName, Source

Capability = Literal["video", "audio", "chat", "recording"]
ConsentMode = Literal["notice", "required"]
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
    admit: bool = Field(
        default=False,
        description="Never waits in the waiting room and may admit or deny those who do "
        "(as `host` always may).",
    )


Roles = Annotated[
    dict[RoleName, RolePolicy],
    AfterValidator(_role_count),
    Field(description="Per-role policy keyed by role name; roles not listed keep their defaults."),
]
Capabilities = Annotated[
    list[Capability],
    Field(
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="`video` means camera, microphone and screen share; "
        "`audio` alone makes an audio-only room.",
    ),
    AfterValidator(_unique),
]


def _utc(value: datetime | None) -> datetime | None:
    """A timezone-aware instant as naive UTC (how every time is stored)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2026-07-02T15:30:00Z")
    return value.astimezone(UTC).replace(tzinfo=None)


EndsAt = Annotated[
    datetime,
    AfterValidator(_utc),
    Field(
        strict=False,  # an RFC 3339 string in JSON
        description="When the visit ends: at this moment the room closes as if deleted (recordings "
        "finalize) and everyone is disconnected. RFC 3339 with a timezone; null for no end.",
        examples=["2026-07-02T15:30:00Z"],
    ),
]
WaitingRoom = Annotated[
    bool,
    Field(
        description="Everyone except hosts (and roles whose policy says `admit`) waits, unseen and "
        "unable to see, hear or send anything, until a host admits them."
    ),
]
Consent = Annotated[
    ConsentMode,
    Field(
        description="`notice`: everyone sees a recording indicator. `required`: a recording starts "
        "only once everyone connected has accepted."
    ),
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
    waiting_room: WaitingRoom = False
    ends_at: EndsAt | None = None
    recording_consent: Consent = "notice"


class RoomUpdate(RequestModel):
    """Only the fields sent are changed. `metadata: null` clears it; `roles: null` removes the policy."""

    name: DisplayName = None  # type: ignore[assignment]
    max_participants: Annotated[int, Field(ge=1, le=10000)] = None  # type: ignore[assignment]
    empty_timeout: Annotated[int, Field(ge=1, le=86400)] = None  # type: ignore[assignment]
    metadata: Metadata | None = None
    roles: Roles | None = None
    waiting_room: WaitingRoom = None  # type: ignore[assignment]
    ends_at: EndsAt | None = None
    recording_consent: Consent = None  # type: ignore[assignment]

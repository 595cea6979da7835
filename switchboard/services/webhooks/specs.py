"""What creating and changing a webhook endpoint accepts."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from switchboard.models.events import EVENT_TYPES
from switchboard.plumbing.validation import RequestModel

EventType = Literal[EVENT_TYPES + ("*",)]  # type: ignore[valid-type]
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    Field(
        description="http:// or https:// URL the events are POSTed to. No credentials in it; "
        "link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254, …) "
        "are refused, when saved and again at delivery time (after DNS resolution).",
        examples=["https://api.example.com/switchboard/webhooks"],
    ),
]


def _event_list(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    if "*" in values and len(values) > 1:
        raise ValueError('must be ["*"] alone or a list of event types')
    return values


Events = Annotated[
    list[EventType],
    Field(
        min_length=1,
        description='`["*"]` for every event, or the event types to receive: ' + ", ".join(EVENT_TYPES) + ".",
    ),
    AfterValidator(_event_list),
]


class WebhookEndpointCreate(RequestModel):
    url: Url
    events: Events


class WebhookEndpointUpdate(RequestModel):
    """Only the fields sent change. Setting `status` to `enabled` clears `disabled_reason`."""

    url: Url = None  # type: ignore[assignment]
    events: Events = None  # type: ignore[assignment]
    status: Literal["enabled", "disabled"] = None  # type: ignore[assignment]


class RotateSecret(RequestModel):
    grace_period_seconds: Annotated[int, Field(ge=0, le=7 * 86400)] | None = Field(
        default=None,
        description="How long the previous secret keeps signing deliveries (a second signature "
        "in both headers). Default 86400 (24 h); 0 retires it at once.",
    )

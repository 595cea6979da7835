"""Webhook endpoint and delivery bodies."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from switchboard.api.schemas.common import RequestModel, ResponseModel, Timestamp
from switchboard.models.events import EVENT_TYPES

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


class WebhookEndpointOut(ResponseModel):
    id: str = Field(examples=["we_3kT9xQ"])
    url: str
    events: list[str]
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None = Field(
        description="Why Switchboard disabled the endpoint (410 Gone, failing for days) or "
        "'Disabled through the API.'"
    )
    previous_secret_expires_at: Timestamp | None = Field(
        description="While set and in the future, deliveries also carry a signature made with the previous secret."
    )
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(
        description="The signing secret, `whsec_` + base64 of 32 bytes. Returned only on create and "
        "on rotate_secret: store it.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookAttemptOut(ResponseModel):
    attempted_at: Timestamp
    status_code: int | None = Field(description="HTTP status answered; null if none came.")
    latency_ms: int | None
    error: str | None = Field(description="Why the attempt failed; null on success.")
    succeeded: bool
    manual: bool = Field(description="Made by POST /webhook_deliveries/:id/retry.")


class WebhookDeliveryOut(ResponseModel):
    id: str = Field(examples=["whd_8bQ2rT"])
    endpoint_id: str
    event_id: str = Field(description="The `evt_` id; also the `webhook-id` header.")
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempt_count: int
    next_attempt_at: Timestamp | None = Field(description="When the next automatic attempt is due.")
    last_status_code: int | None
    last_error: str | None
    created_at: Timestamp
    completed_at: Timestamp | None
    attempts: list[WebhookAttemptOut] = Field(description="Every attempt, oldest first.")

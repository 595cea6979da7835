"""Webhook endpoint and delivery response bodies."""

from typing import Literal

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat


def _endpoint_fields(item) -> dict:
    return dict(
        id=item.id,
        url=item.url,
        events=list(item.events),
        status=item.status,
        disabled_reason=item.disabled_reason,
        previous_secret_expires_at=isoformat(
            item.previous_secret_expires_at if item.previous_secret else None
        ),
        created_at=isoformat(item.created_at),
        updated_at=isoformat(item.updated_at),
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

    @classmethod
    def build(cls, item) -> "WebhookEndpointOut":
        return cls(**_endpoint_fields(item))


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(
        description="The signing secret, `whsec_` + base64 of 32 bytes. Returned only on create and "
        "on rotate_secret: store it.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )

    @classmethod
    def build(cls, item) -> "WebhookEndpointWithSecret":
        return cls(secret=item.secret, **_endpoint_fields(item))


class WebhookAttemptOut(ResponseModel):
    attempted_at: Timestamp
    status_code: int | None = Field(description="HTTP status answered; null if none came.")
    latency_ms: int | None
    error: str | None = Field(description="Why the attempt failed; null on success.")
    succeeded: bool
    manual: bool = Field(description="Made by POST /webhook_deliveries/:id/retry.")

    @classmethod
    def build(cls, attempt) -> "WebhookAttemptOut":
        return cls(
            attempted_at=isoformat(attempt.attempted_at),
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            error=attempt.error,
            succeeded=attempt.succeeded,
            manual=attempt.manual,
        )


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

    @classmethod
    def build(cls, item) -> "WebhookDeliveryOut":
        return cls(
            id=item.id,
            endpoint_id=item.endpoint_id,
            event_id=item.event_id,
            event_type=item.event_type,
            status=item.status,
            attempt_count=item.attempt_count,
            next_attempt_at=isoformat(item.next_attempt_at) if item.status == "pending" else None,
            last_status_code=item.last_status_code,
            last_error=item.last_error,
            created_at=isoformat(item.created_at),
            completed_at=isoformat(item.completed_at),
            attempts=[WebhookAttemptOut.build(a) for a in item.attempts],
        )

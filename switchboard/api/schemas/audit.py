"""Audit event response bodies."""

from typing import Any

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat


class AuditEventOut(ResponseModel):
    id: str = Field(examples=["aud_4kq9x2mz8w"])
    action: str = Field(
        description="room.created, room.updated, room.closed, room.purged, session.started, "
        "token.created, participant.joined, participant.refused or participant.removed.",
        examples=["token.created"],
    )
    actor: str = Field(
        description="Who acted: `api`, `admin`, `livekit` (its webhooks) or `reconcile` (repair of lost reports).",
        examples=["api"],
    )
    room_id: str | None = Field(examples=["rm_8f2k3j4h5g"])
    identity_hash: str | None = Field(
        description="HMAC-SHA256 of the participant identity under the deployment's identity key "
        "(hex); the identity itself is never stored in the log. Null when no one is concerned.",
    )
    detail: dict[str, Any] = Field(description="Ids, counts and reasons only: never names or metadata.")
    created_at: Timestamp

    @classmethod
    def build(cls, entry) -> "AuditEventOut":
        return cls(
            id=entry.id,
            action=entry.action,
            actor=entry.actor,
            room_id=entry.room_id,
            identity_hash=entry.identity_hash,
            detail=entry.detail or {},
            created_at=isoformat(entry.created_at),
        )

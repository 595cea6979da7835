"""The retention policy's response body."""

from pydantic import Field

from switchboard.api.schemas.common import ResponseModel, Timestamp
from switchboard.models.base import isoformat


def _days(what: str) -> object:
    return Field(description=f"Days {what} are kept; null keeps them forever.", examples=[30])


class RetentionOut(ResponseModel):
    chat_messages_days: int | None = _days("chat messages of closed rooms")
    sessions_days: int | None = _days("sessions of closed rooms, with time logs and waiting-room entries,")
    recordings_days: int | None = _days("finished recordings (object and pointer)")
    webhook_deliveries_days: int | None = _days("finished webhook deliveries")
    audit_log_days: None = Field(
        default=None,
        description="Always null: the audit log (ids, counts and identity hashes only, no PHI) is kept "
        "forever, beyond HIPAA's six years; it records every purge.",
    )
    updated_at: Timestamp | None = Field(description="When the policy was last set; null if never.")

    @classmethod
    def build(cls, policy) -> "RetentionOut":
        return cls(
            chat_messages_days=policy.chat_messages_days,
            sessions_days=policy.sessions_days,
            recordings_days=policy.recordings_days,
            webhook_deliveries_days=policy.webhook_deliveries_days,
            updated_at=isoformat(policy.updated_at) if policy.updated_at else None,
        )

"""What a project's retention policy accepts."""

from typing import Annotated

from pydantic import Field

from switchboard.plumbing.validation import RequestModel

MIN_DAYS = 1
MAX_DAYS = 3650


def _days(what: str) -> object:
    return Field(
        ge=MIN_DAYS,
        le=MAX_DAYS,
        description=f"Days to keep {what} ({MIN_DAYS}-{MAX_DAYS}); null or omitted keeps them forever.",
        examples=[30],
    )


class RetentionPut(RequestModel):
    """The whole policy: a field left out is set to null (kept forever)."""

    chat_messages_days: Annotated[
        int | None, _days("chat messages of closed rooms (counted from when each was sent)")
    ] = None
    sessions_days: Annotated[
        int | None,
        _days(
            "sessions of closed rooms with their participants' time logs and waiting-room entries "
            "(counted from when each session started)"
        ),
    ] = None
    recordings_days: Annotated[
        int | None,
        _days(
            "finished recordings: the object in your bucket, then the pointer (counted from when "
            "each recording was started)"
        ),
    ] = None
    webhook_deliveries_days: Annotated[
        int | None,
        _days("finished webhook deliveries with their attempts (pending deliveries are never purged)"),
    ] = None

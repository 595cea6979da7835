"""Building blocks shared by every schema: strict base model, error and list envelopes."""

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class RequestModel(BaseModel):
    """A request body: unknown fields are an error, and types are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _printable(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _metadata_size(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > 4096:
        raise ValueError(f"must be at most 4096 bytes serialized (this is {size})")
    return value


DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=128), AfterValidator(_printable)]
Metadata = Annotated[
    dict[str, Any],
    AfterValidator(_metadata_size),
    Field(description="Your own key/value pairs; at most 4096 bytes serialized. Never logged."),
]
Timestamp = Annotated[str, Field(description="RFC 3339, UTC, with a Z", examples=["2026-07-02T15:04:05Z"])]


class ErrorDetail(ResponseModel):
    type: str = Field(examples=["validation_error"])
    code: str = Field(examples=["unknown_field"])
    message: str
    param: str | None = Field(default=None, examples=["room.name"])


class ErrorBody(ResponseModel):
    error: ErrorDetail

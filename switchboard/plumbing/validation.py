"""Validating input against the pydantic specs services accept, with one error vocabulary.

Every caller (the JSON API, the admin forms) validates through `validate`, so a bad field
reads the same everywhere: 422 naming the field (`room.name`), `unknown_field` for a field
the spec does not have, `missing_field` for a required one.
"""

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from switchboard.errors import ApiError, validation


class RequestModel(BaseModel):
    """Input a service accepts: unknown fields are an error, and types are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


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


def _param(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def error_for(exc: ValidationError, *, prefix: str = "") -> ApiError:
    """The 422 for the first problem pydantic found; `prefix` is prepended to the field path."""
    first = exc.errors(include_url=False, include_input=False)[0]
    param = prefix + _param(first["loc"])
    kind = first["type"]
    if kind == "extra_forbidden":
        return validation(f"Unknown field '{param}'.", param=param, code="unknown_field")
    if kind == "missing":
        return validation(f"'{param}' is required.", param=param, code="missing_field")
    message = first["msg"].removeprefix("Value error, ")
    return validation(f"'{param}' {message[0].lower() + message[1:]}.", param=param, code="invalid_field")


def validate(model: type[BaseModel], data: Any, *, prefix: str = ""):
    """`data` as a `model`, or the 422 `error_for` builds."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error_for(exc, prefix=prefix) from None

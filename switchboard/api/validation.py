"""Reading request bodies and query strings into validated values, or envelope errors."""

import json

from flask import request
from pydantic import BaseModel

from switchboard.errors import invalid
from switchboard.plumbing.validation import validate


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def read_json_object() -> dict:
    """The request body as a JSON object, or a 400 saying what is wrong with it."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise invalid("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.", code="invalid_json")
    return data


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate the JSON body against `model`; the first problem becomes a 422 naming the field."""
    return validate(model, read_json_object())


def query_int(name: str, default: int, *, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"'{name}' must be an integer from {low} to {high}.", param=name) from None
    if not low <= value <= high:
        raise invalid(f"'{name}' must be an integer from {low} to {high}.", param=name)
    return value


def query_choice(name: str, choices: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in choices:  # an empty value too: leave the parameter out to mean "any"
        raise invalid(f"'{name}' must be one of {', '.join(choices)}.", param=name)
    return raw


def page_args() -> tuple[int, str | None]:
    """The `limit` (1–100, default 20) and `cursor` of a list request."""
    return query_int("limit", 20, low=1, high=100), request.args.get("cursor") or None

"""Column helpers shared by every model: public ids and UTC timestamps."""

import secrets
import string
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 16) -> str:
    """A public id such as `rm_8Xk2p9QwZ…`: a type prefix and random base62."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def utcnow() -> datetime:
    """Naive UTC, the one representation stored in every database we support."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a `Z`, as every API timestamp is written."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"

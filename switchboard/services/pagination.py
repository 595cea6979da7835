"""Cursor pagination, newest first, shared by every list endpoint."""

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import and_, or_

from switchboard.errors import invalid
from switchboard.extensions import db


def encode_cursor(created_at: datetime, id: str) -> str:
    raw = json.dumps([created_at.isoformat(), id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), str(id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "The cursor is not one this API returned.", param="cursor", code="invalid_cursor"
        ) from None


def paginate(query, model, *, limit: int, cursor: str | None):
    """One page of `query` ordered by (created_at, id) descending.

    Returns (items, has_more, next_cursor). `model` must have `created_at` and `id`.
    """
    if cursor:
        created_at, id = decode_cursor(cursor)
        query = query.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < id),
            )
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(query))
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if has_more else None
    return rows, has_more, next_cursor

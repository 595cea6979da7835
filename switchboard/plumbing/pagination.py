"""Cursor pagination for every list: one cursor format, one page shape.

A cursor is the sort key of the last item on the page, JSON-encoded and base64url'd; it is
opaque to clients. Lists are newest first by `(created_at, id)` (`paginate`), or by another
key computed in memory (`paginate_items`, for lists that are not one query); chat history
reads forward by `seq` (`paginate_forward`).
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_

from switchboard.errors import invalid
from switchboard.extensions import db

MAX_SEQ = 2**31 - 1


@dataclass(frozen=True)
class Page:
    items: list
    has_more: bool
    next_cursor: str | None


def _bad_cursor():
    return invalid("The cursor is not one this API returned.", param="cursor", code="invalid_cursor")


def encode_cursor(*values) -> str:
    parts = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *types) -> tuple:
    """The values `encode_cursor` packed, converted to `types` (datetime, str or int)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(parts, list) or len(parts) != len(types):
            raise ValueError
        values = []
        for kind, part in zip(types, parts, strict=True):
            if kind is datetime:
                values.append(datetime.fromisoformat(part))
            elif kind is int:
                if not isinstance(part, int) or isinstance(part, bool) or not 0 <= part <= MAX_SEQ:
                    raise ValueError
                values.append(part)
            else:
                values.append(str(part))
        return tuple(values)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None


def paginate(query, model, *, limit: int, cursor: str | None) -> Page:
    """One page of `query` ordered by (created_at, id) descending. `model` must have both."""
    if cursor:
        created_at, id = decode_cursor(cursor, datetime, str)
        query = query.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < id),
            )
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(query))
    return _page(rows, limit, lambda row: (row.created_at, row.id))


def paginate_items(items: list, *, key: Callable, limit: int, cursor: str | None) -> Page:
    """One page of an in-memory list, newest first by `key(item)` = (datetime, str)."""
    ordered = sorted(items, key=key, reverse=True)
    if cursor:
        after = decode_cursor(cursor, datetime, str)
        ordered = [item for item in ordered if key(item) < after]
    return _page(ordered[: limit + 1], limit, key)


def paginate_forward(query, column, *, after: int, limit: int) -> Page:
    """One page of `query` ascending by the integer `column`, starting after `after`."""
    rows = list(db.session.scalars(query.where(column > after).order_by(column).limit(limit + 1)))
    return _page(rows, limit, lambda row: (getattr(row, column.key),))


def _page(rows: list, limit: int, key: Callable) -> Page:
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, has_more, encode_cursor(*key(rows[-1])) if has_more else None)

"""HTTP face of chat history: GET /api/v1/rooms/:room_id/messages."""

import base64
import binascii

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, page
from switchboard.api.schemas.messages import MessageOut
from switchboard.api.validation import query_int
from switchboard.errors import invalid
from switchboard.services import chat, rooms

MAX_SEQ = 2**31 - 1


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _after_seq() -> int:
    """`cursor` (from `next_cursor`) or `after_seq`; not both."""
    cursor = request.args.get("cursor")
    if cursor and request.args.get("after_seq"):
        raise invalid("Send either 'cursor' or 'after_seq', not both.", param="cursor")
    if not cursor:
        return query_int("after_seq", 0, low=0, high=MAX_SEQ)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, seq = raw.partition(":")
        if prefix != "seq" or not seq.isdigit() or int(seq) > MAX_SEQ:
            raise ValueError
        return int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "The cursor is not one this API returned.", param="cursor", code="invalid_cursor"
        ) from None


@bp.get("/rooms/<room_id>/messages")
@endpoint(
    "List a room's chat messages, oldest first",
    response=MessageOut,
    paginated=True,
    query=(
        (
            "after_seq",
            {"type": "integer", "minimum": 0, "default": 0},
            "Only messages with a greater `seq` (what a client that has `after_seq` missed).",
        ),
    ),
    tag="Chat",
    description="Stored history in conversation order: ascending by `seq` (unlike other lists, "
    "which are newest first, because history is read forward and resumed from a position). "
    "Start after `after_seq` (default 0, the beginning) and follow `next_cursor` while "
    "`has_more`. Closed rooms keep their history until purged.",
)
def list_messages(room_id):
    room = rooms.get_room(g.project_id, room_id)
    limit = query_int("limit", 20, low=1, high=100)
    items, has_more = chat.history(room, after_seq=_after_seq(), limit=limit)
    data = [chat.message_data(m) for m in items]
    return page(data, has_more, _cursor(items[-1].seq) if has_more else None)

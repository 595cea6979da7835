"""HTTP face of chat history: GET /api/v1/rooms/:room_id/messages."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, page
from switchboard.api.schemas.messages import MessageOut
from switchboard.api.validation import page_args, query_int
from switchboard.errors import invalid
from switchboard.plumbing.pagination import MAX_SEQ, decode_cursor
from switchboard.services import chat, rooms


def _after_seq(cursor: str | None) -> int:
    """`cursor` (from `next_cursor`) or `after_seq`; not both."""
    if cursor and request.args.get("after_seq"):
        raise invalid("Send either 'cursor' or 'after_seq', not both.", param="cursor")
    if cursor:
        return decode_cursor(cursor, int)[0]
    return query_int("after_seq", 0, low=0, high=MAX_SEQ)


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
    limit, cursor = page_args()
    return page(chat.history(room, after_seq=_after_seq(cursor), limit=limit), MessageOut.build)

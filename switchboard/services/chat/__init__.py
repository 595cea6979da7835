"""Chat: who may open a room's chat (`admission`), its messages in order (`messages`) and who
is connected by socket (`presence`). The socket itself is `realtime/`'s."""

from switchboard.services.chat.admission import JoinRefused, admit
from switchboard.services.chat.messages import (
    MAX_BODY_CHARS,
    event_data,
    history,
    last_seq,
    messages_after,
    next_seq,
    post_message,
    post_messages,
    recent,
)
from switchboard.services.chat.presence import (
    add_presence,
    connections_of,
    identities_by_room,
    presence,
    present_members,
    purge_stale_presence,
    remove_presence,
    rooms_with_stale_presence,
    touch_presence,
    touch_presences,
)

__all__ = [
    "MAX_BODY_CHARS",
    "JoinRefused",
    "add_presence",
    "admit",
    "connections_of",
    "event_data",
    "history",
    "identities_by_room",
    "last_seq",
    "messages_after",
    "next_seq",
    "post_message",
    "post_messages",
    "present_members",
    "presence",
    "purge_stale_presence",
    "recent",
    "remove_presence",
    "rooms_with_stale_presence",
    "touch_presences",
    "touch_presence",
]

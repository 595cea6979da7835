"""Rooms, the aggregate a call lives in: the room itself (`room`), who is in it with their
time logs (`roster`), its active periods (`sessions`), what LiveKit reports and the repair
when reports are lost (`lifecycle`), LiveKit follow-ups after commit (`livekit_sync`) and
erasing what a closed room recorded about people (`purge`), and the waiting room (`waiting`).

Inside the package dependencies run one way: sessions < roster < room < lifecycle.
"""

from switchboard.models import ROOM_STATUSES
from switchboard.services.rooms.lifecycle import handle_event, reconcile, reconcile_one
from switchboard.services.rooms.purge import purge_room
from switchboard.services.rooms.room import (
    close_room,
    create_room,
    end_if_due,
    find_room,
    get_room,
    list_rooms,
    update_room,
)
from switchboard.services.rooms.roster import (
    Connected,
    eject_token,
    list_connected,
    participant_count,
    participant_counts,
    remove_participant,
    roster_page,
)
from switchboard.services.rooms.sessions import get_session, list_sessions, time_logs
from switchboard.services.rooms.specs import RoomCreate, RoomUpdate
from switchboard.services.rooms.waiting import (
    admit,
    denial_message,
    deny,
    queue,
    socket_arrived,
    socket_left,
    waiting_page,
)

STATUSES = ROOM_STATUSES

__all__ = [
    "STATUSES",
    "Connected",
    "RoomCreate",
    "RoomUpdate",
    "admit",
    "close_room",
    "denial_message",
    "deny",
    "eject_token",
    "end_if_due",
    "create_room",
    "find_room",
    "get_room",
    "get_session",
    "handle_event",
    "list_connected",
    "list_rooms",
    "list_sessions",
    "participant_count",
    "participant_counts",
    "purge_room",
    "queue",
    "reconcile",
    "reconcile_one",
    "remove_participant",
    "roster_page",
    "socket_arrived",
    "socket_left",
    "time_logs",
    "update_room",
    "waiting_page",
]

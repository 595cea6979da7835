"""Every model, imported here so Alembic and the app see the whole schema."""

from switchboard.models.chat import ChatMessage, ChatPresence, ChatSequence
from switchboard.models.events import EVENT_TYPES, Event
from switchboard.models.idempotency import IdempotencyKey
from switchboard.models.jobs import Job
from switchboard.models.projects import ApiKey, Project
from switchboard.models.rooms import CAPABILITIES, ROOM_STATUSES, Room
from switchboard.models.tokens import JoinToken
from switchboard.models.users import User

__all__ = [
    "CAPABILITIES",
    "EVENT_TYPES",
    "ROOM_STATUSES",
    "ApiKey",
    "ChatMessage",
    "ChatPresence",
    "ChatSequence",
    "Event",
    "IdempotencyKey",
    "Job",
    "JoinToken",
    "Project",
    "Room",
    "User",
]

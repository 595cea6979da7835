"""Every model, imported here so Alembic and the app see the whole schema."""

from switchboard.models.audit import AuditEntry
from switchboard.models.chat import ChatMessage, ChatPresence, ChatSequence
from switchboard.models.events import EVENT_TYPES, Event
from switchboard.models.idempotency import IdempotencyKey
from switchboard.models.jobs import Job
from switchboard.models.participants import PARTICIPANT_STATES, Participant, ParticipantTrack
from switchboard.models.projects import ApiKey, Project
from switchboard.models.recordings import (
    ACTIVE_RECORDING_STATUSES,
    RECORDING_FORMATS,
    RECORDING_LAYOUTS,
    RECORDING_STATUSES,
    Recording,
    RecordingConsent,
    RecordingSettings,
)
from switchboard.models.retention import RETENTION_KINDS, RetentionPolicy
from switchboard.models.rooms import CAPABILITIES, ROOM_STATUSES, Room
from switchboard.models.sessions import Session
from switchboard.models.tokens import JoinToken
from switchboard.models.users import User
from switchboard.models.visits import WAITING_STATUSES, WaitingEntry
from switchboard.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ACTIVE_RECORDING_STATUSES",
    "RECORDING_FORMATS",
    "RECORDING_LAYOUTS",
    "RECORDING_STATUSES",
    "Recording",
    "RecordingConsent",
    "RETENTION_KINDS",
    "RetentionPolicy",
    "RecordingSettings",
    "CAPABILITIES",
    "EVENT_TYPES",
    "PARTICIPANT_STATES",
    "ROOM_STATUSES",
    "ApiKey",
    "AuditEntry",
    "ChatMessage",
    "ChatPresence",
    "ChatSequence",
    "Event",
    "IdempotencyKey",
    "Job",
    "JoinToken",
    "Participant",
    "ParticipantTrack",
    "Project",
    "Room",
    "Session",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WAITING_STATUSES",
    "WaitingEntry",
]

"""Customer-facing events: recorded in the outbox, delivered by the webhook jobs."""

from switchboard.extensions import db
from switchboard.models import EVENT_TYPES, Event
from switchboard.models.base import new_id
from switchboard.plumbing.outbox import enqueue


def emit(project_id: str, type: str, data: dict) -> Event:
    """Record an event in the current transaction and queue its fan-out to endpoints."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    event = Event(id=new_id("evt"), project_id=project_id, type=type, data=data)
    db.session.add(event)
    enqueue("webhooks.fan_out", {"event_id": event.id})
    return event


def emit_many(project_id: str, type: str, datas: list[dict]) -> list[Event]:
    """`emit` for several events of one type: no flush, so the session writes them (and their
    jobs) with one multi-row insert per table."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    emitted = [Event(id=new_id("evt"), project_id=project_id, type=type, data=data) for data in datas]
    db.session.add_all(emitted)
    for event in emitted:
        enqueue("webhooks.fan_out", {"event_id": event.id})
    return emitted

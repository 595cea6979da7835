"""Fixtures for job and webhook-delivery tests: a real receiver process, emitted events."""

import pytest

from switchboard.extensions import db
from switchboard.models import Project
from switchboard.services import events
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver(tmp_path):
    """`receiver()` starts a new webhook receiver process; all are stopped afterwards."""
    started: list[Receiver] = []

    def start() -> Receiver:
        item = Receiver(str(tmp_path / f"received-{len(started)}.jsonl"))
        started.append(item)
        return item.start()

    yield start
    for item in started:
        item.stop()


@pytest.fixture
def emit(app):
    """`emit(type, data)` records an event for project acme and commits, as the product does."""

    def record(type: str, data: dict | None = None, project: str = "acme"):
        project_id = db.session.scalar(db.select(Project.id).where(Project.name == project))
        event = events.emit(project_id, type, data or {"room_id": "rm_test"})
        db.session.commit()
        return event.id

    return record

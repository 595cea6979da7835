"""Services called directly, without HTTP: a project and a room to work on."""

import pytest

from switchboard.extensions import db
from switchboard.services import projects, rooms


@pytest.fixture
def project(app):
    found = projects.get_or_create_project("acme")
    db.session.commit()
    return found


@pytest.fixture
def make_room(project):
    def make(**fields):
        spec = rooms.RoomCreate(**{"name": "Visit", "capabilities": ["video", "chat"], **fields})
        room = rooms.create_room(project.id, spec)
        db.session.commit()
        return room

    return make

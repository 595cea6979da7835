"""The admin sets a room's visit controls on the form, shows them, and works the waiting room."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from switchboard.extensions import db
from switchboard.models import Job, JoinToken, Room, WaitingEntry
from switchboard.services import projects, rooms, tokens
from switchboard.services.rooms.specs import RoomCreate
from tests.admin.conftest import csrf_token


@pytest.fixture
def project_id(admin) -> str:
    project = projects.get_or_create_project("clinic")
    db.session.commit()
    return project.id


def test_the_new_room_form_sets_waiting_room_end_and_consent(admin, project_id):
    ends = (datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0, tzinfo=None)
    response = admin.post(
        "/admin/rooms/new",
        data={
            "project_id": project_id,
            "name": "Telehealth visit",
            "capabilities": ["video", "chat"],
            "waiting_room": "y",
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
            "recording_consent": "required",
            "csrf_token": csrf_token(admin, "/admin/rooms/new"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    room = db.session.scalar(db.select(Room))
    assert (room.waiting_room, room.ends_at, room.recording_consent) == (True, ends, "required")
    assert db.session.scalar(db.select(Job).where(Job.kind == "rooms.end")).payload["room_id"] == room.id
    page = admin.get(f"/admin/rooms/{room.id}").get_data(as_text=True)
    assert "on: hosts admit everyone else" in page and ends.strftime("%Y-%m-%d %H:%M") in page
    assert "Nobody is waiting" in page


def test_an_end_in_the_past_is_shown_next_to_the_field_and_nothing_is_created(admin, project_id):
    response = admin.post(
        "/admin/rooms/new",
        data={
            "project_id": project_id,
            "name": "Too late",
            "capabilities": ["video"],
            "ends_at": "2020-01-01T10:00",
            "csrf_token": csrf_token(admin, "/admin/rooms/new"),
        },
    )
    html = response.get_data(as_text=True)
    assert re.search(r'<div class="field has-error">\s*<label for="ends_at">', html)
    assert "must be in the future" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Room)) == 0


def waiting_room_with(identity: str, project_id: str) -> Room:
    room = rooms.create_room(
        project_id, RoomCreate(name="Visit", capabilities=["video", "chat"], waiting_room=True)
    )
    issued = tokens.issue_token(room, identity=identity, name="Pat Doe", role="patient")
    rooms.socket_arrived(room, identity, "Pat Doe", "patient", issued.record.id)
    db.session.commit()
    return room


def test_the_room_page_lists_who_waits_and_admits_them(admin, project_id):
    room = waiting_room_with("patient-1", project_id)
    page = f"/admin/rooms/{room.id}"
    html = admin.get(page).get_data(as_text=True)
    assert "Pat Doe" in html and "patient-1" in html and "Admit" in html
    response = admin.post(
        f"{page}/waiting/admit", data={"identity": "patient-1", "csrf_token": csrf_token(admin, page)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(WaitingEntry.status)) == "admitted"
    assert not tokens.waiting(db.session.scalar(db.select(JoinToken)))
    assert "Nobody is waiting" in admin.get(page).get_data(as_text=True)


def test_denying_from_the_room_page_revokes_and_keeps_the_message(admin, project_id):
    room = waiting_room_with("patient-2", project_id)
    page = f"/admin/rooms/{room.id}"
    admin.post(
        f"{page}/waiting/deny",
        data={"identity": "patient-2", "message": "Please rebook", "csrf_token": csrf_token(admin, page)},
    )
    db.session.expire_all()
    entry = db.session.scalar(db.select(WaitingEntry))
    assert (entry.status, entry.message) == ("denied", "Please rebook")
    assert db.session.scalar(db.select(JoinToken)).revoked_at is not None
    again = admin.post(
        f"{page}/waiting/admit", data={"identity": "patient-2", "csrf_token": csrf_token(admin, page)}
    )
    assert "no longer waiting" in admin.get(again.headers["Location"]).get_data(as_text=True)


def test_the_room_page_poll_lists_who_waits(admin, project_id):
    room = waiting_room_with("patient-3", project_id)
    polled = admin.get(f"/admin/rooms/{room.id}/roster.json").get_json()
    assert [(w["identity"], w["name"], w["role"]) for w in polled["waiting"]] == [
        ("patient-3", "Pat Doe", "patient")
    ]
    assert polled["waiting"][0]["waiting_since"].endswith("Z")
    html = admin.get(f"/admin/rooms/{room.id}").get_data(as_text=True)
    assert 'id="waiting-list"' in html and 'data-identity="patient-3"' in html
    rooms.deny(room, "patient-3")
    db.session.commit()
    assert admin.get(f"/admin/rooms/{room.id}/roster.json").get_json()["waiting"] == []

"""The admin room page: join links, the live roster endpoint, chat, sessions, close and purge."""

import re
from html import unescape

import pytest

from switchboard.extensions import db
from switchboard.models import ChatMessage, JoinToken, Room
from switchboard.services import projects, rooms
from switchboard.services.rooms.specs import RoomCreate
from tests.admin.conftest import csrf_token


@pytest.fixture
def room(admin) -> Room:
    project = projects.get_or_create_project("clinic")
    created = rooms.create_room(project.id, RoomCreate(name="Intake", capabilities=["chat"]))
    db.session.commit()
    return created


def _field_errors(html: str, field: str) -> list[str]:
    block = re.search(rf'<div class="field has-error">\s*<label for="{field}">.*?</div>', html, re.S)
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', block.group(0)) if block else []


def test_room_page_makes_a_join_link_shown_once_with_a_copy_button(admin, room):
    page = f"/admin/rooms/{room.id}"
    response = admin.post(
        f"{page}/join_link",
        data={
            "identity": "patient-9182",
            "name": "Ada Lovelace",
            "role": "patient",
            "ttl_seconds": "600",
            "csrf_token": csrf_token(admin, page),
        },
    )
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    link = re.search(r'id="join-link" type="text" readonly value="([^"]+)"', html).group(1)
    assert link.startswith(f"http://switchboard.test/join/{room.id}#token=")
    assert 'data-copy-target="join-link"' in html
    record = db.session.scalar(db.select(JoinToken))
    assert record.role == "patient"
    assert 540 <= (record.expires_at - record.created_at).total_seconds() <= 660
    assert link not in admin.get(page).get_data(as_text=True)  # shown once


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"identity": "no spaces please"}, "identity", "should match pattern"),
        ({"identity": ""}, "identity", "should match pattern"),
        ({"identity": "p1", "ttl_seconds": "5"}, "ttl_seconds", "greater than or equal to 60"),
        ({"identity": "p1", "role": "Head Nurse"}, "role", "should match pattern"),
    ],
)
def test_join_link_errors_sit_next_to_the_field_and_mint_nothing(admin, room, fields, field, words):
    page = f"/admin/rooms/{room.id}"
    data = {"identity": "p1", "role": "participant", "ttl_seconds": "3600", **fields}
    response = admin.post(f"{page}/join_link", data={**data, "csrf_token": csrf_token(admin, page)})
    assert response.status_code == 422
    errors = _field_errors(response.get_data(as_text=True), field)
    assert errors and words in errors[0], errors
    assert db.session.scalar(db.select(db.func.count()).select_from(JoinToken)) == 0


def test_join_link_for_a_closed_room_is_refused(admin, room):
    rooms.close_room(room, actor="admin")
    db.session.commit()
    page = f"/admin/rooms/{room.id}"
    token = csrf_token(admin, "/admin/keys")
    response = admin.post(f"{page}/join_link", data={"identity": "p1", "csrf_token": token})
    assert "closed" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(JoinToken)) == 0


def test_forms_without_csrf_are_refused(admin, room):
    for path in ("join_link", "close", "purge", "participants/remove"):
        response = admin.post(f"/admin/rooms/{room.id}/{path}", data={"identity": "p1"})
        assert response.status_code == 400, path
    db.session.expire_all()
    assert db.session.get(Room, room.id).status == "idle"


def test_roster_endpoint_needs_login_and_lists_nobody_yet(client, admin, room):
    response = admin.get(f"/admin/rooms/{room.id}/roster.json")
    assert response.status_code == 200
    assert response.get_json() == {"data": [], "room": {"status": "idle"}}
    admin.post("/admin/logout", data={"csrf_token": csrf_token(admin, "/admin/")})
    assert client.get(f"/admin/rooms/{room.id}/roster.json").status_code == 302


def test_removing_someone_who_left_says_so(admin, room):
    page = f"/admin/rooms/{room.id}"
    response = admin.post(
        f"{page}/participants/remove",
        data={"identity": "gone", "csrf_token": csrf_token(admin, page)},
        follow_redirects=True,
    )
    assert "already left" in response.get_data(as_text=True)


def test_room_page_shows_recent_chat_and_close_then_purge_with_confirmation(admin, room):
    db.session.add(
        ChatMessage(project_id=room.project_id, room_id=room.id, seq=1, sender_identity="dr-k", body="Hello")
    )
    db.session.commit()
    page = f"/admin/rooms/{room.id}"
    html = admin.get(page).get_data(as_text=True)
    assert "Hello" in html and "dr-k" in html
    assert 'data-confirm="Close this room' in html
    assert "<script>" not in html and "onsubmit" not in html

    token = csrf_token(admin, page)
    purge = admin.post(f"{page}/purge", data={"csrf_token": token}, follow_redirects=True)
    assert "close it first" in purge.get_data(as_text=True)
    admin.post(f"{page}/close", data={"csrf_token": token})
    html = admin.get(page).get_data(as_text=True)
    assert 'data-confirm="Erase this room' in html
    admin.post(f"{page}/purge", data={"csrf_token": token})
    assert db.session.scalar(db.select(db.func.count()).select_from(ChatMessage)) == 0


def test_rooms_list_has_live_status_and_counts(admin, room):
    html = admin.get("/admin/").get_data(as_text=True)
    assert f'data-room-id="{room.id}"' in html and 'src="/static/admin.js"' in html
    assert admin.get("/admin/rooms.json").get_json() == {
        "data": [{"id": room.id, "status": "idle", "participants": 0}]
    }


def test_every_capability_checkbox_sits_in_its_own_label(admin, room):
    html = admin.get("/admin/rooms/new").get_data(as_text=True)
    boxes = re.findall(
        r'<label class="check" for="(capabilities-\d)">\s*<input[^>]*id="(capabilities-\d)"', html
    )
    assert len(boxes) == 4 and all(a == b for a, b in boxes)


def test_audit_log_page_filters_by_room_and_action(admin, room):
    other = rooms.create_room(room.project_id, RoomCreate(name="Other", capabilities=["chat"]))
    db.session.commit()
    html = admin.get(f"/admin/audit?room_id={room.id}").get_data(as_text=True)
    assert room.id in html and other.id not in html
    html = admin.get("/admin/audit?action=room.closed").get_data(as_text=True)
    assert "No entries match" in html
    html = admin.get("/admin/audit?cursor=garbage").get_data(as_text=True)
    assert other.id in html

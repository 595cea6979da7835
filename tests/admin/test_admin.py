"""The admin: login, rooms list, room creation through the form, close, keys. CSRF enforced."""

import re

import pytest

from switchboard.extensions import db
from switchboard.models import ApiKey, AuditEntry, Room
from tests.admin.conftest import create_admin, csrf_token, log_in


@pytest.fixture
def project_id(admin) -> str:
    """A project made through the keys page, as the new-room form offers it."""
    token = csrf_token(admin, "/admin/keys")
    admin.post("/admin/keys", data={"project": "clinic", "mode": "live", "csrf_token": token})
    form_html = admin.get("/admin/rooms/new").get_data(as_text=True)
    return re.search(r'<option[^>]*value="(proj_[^"]+)"', form_html).group(1)


def test_admin_pages_require_login(client):
    for path in ("/admin/", "/admin/rooms/new", "/admin/keys"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/admin/login" in response.headers["Location"]


def test_wrong_password_is_refused(app, client):
    create_admin()
    response = log_in(client, password="nope")
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_post_without_csrf_token_is_refused(app, client):
    response = client.post("/admin/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_keys_page_creates_a_key_shown_once(admin):
    token = csrf_token(admin, "/admin/keys")
    response = admin.post("/admin/keys", data={"project": "clinic", "mode": "live", "csrf_token": token})
    html = response.get_data(as_text=True)
    secret = re.search(r'id="new-secret">(sk_live_[^<]+)<', html).group(1)
    assert db.session.scalar(db.select(ApiKey)).prefix == secret[:12]
    assert secret not in admin.get("/admin/keys").get_data(as_text=True)
    assert admin.get("/api/v1/rooms", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_create_room_through_the_form_then_close_it(admin, project_id):
    token = csrf_token(admin, "/admin/rooms/new")
    response = admin.post(
        "/admin/rooms/new",
        data={
            "project_id": project_id,
            "name": "Intake",
            "capabilities": ["video", "chat"],
            "max_participants": "4",
            "metadata": '{"clinic": "north"}',
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    room = db.session.scalar(db.select(Room))
    assert (room.name, room.capabilities, room.max_participants, room.metadata_) == (
        "Intake",
        ["video", "chat"],
        4,
        {"clinic": "north"},
    )
    assert "Intake" in admin.get("/admin/").get_data(as_text=True)

    token = csrf_token(admin, f"/admin/rooms/{room.id}")
    admin.post(f"/admin/rooms/{room.id}/close", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Room, room.id).status == "closed"
    closed = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "room.closed"))
    assert closed.actor == "admin"


def test_room_form_errors_are_shown_and_nothing_is_created(admin, project_id):
    token = csrf_token(admin, "/admin/rooms/new")
    response = admin.post(
        "/admin/rooms/new",
        data={
            "project_id": project_id,
            "name": "Intake",
            "capabilities": [],
            "metadata": "{bad json",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert "valid JSON" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Room)) == 0


def test_new_room_without_any_project_points_to_the_keys_page(admin):
    response = admin.get("/admin/rooms/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/keys")


def test_login_redirect_ignores_offsite_next(app, client):
    create_admin()
    response = log_in(client, path="/admin/login?next=https://evil.example/x")
    assert response.headers["Location"] == "/admin/"

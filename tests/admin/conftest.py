"""Admin fixtures: one admin user, logging in through the real form (CSRF and all)."""

import re

import pytest

from switchboard.extensions import db
from switchboard.models import User


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


PASSWORD = "correct horse battery"


def create_admin() -> None:
    user = User(email="ops@example.com")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()


def log_in(client, password: str = PASSWORD, path: str = "/admin/login"):
    token = csrf_token(client, "/admin/login")
    return client.post(path, data={"email": "ops@example.com", "password": password, "csrf_token": token})


@pytest.fixture
def admin(app, client):
    create_admin()
    assert log_in(client).status_code == 302
    return client

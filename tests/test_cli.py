"""The flask CLI: keys and users."""

from switchboard.extensions import db
from switchboard.models import ApiKey, Project, User


def test_keys_create_prints_a_live_key_once_and_stores_it_hashed(runner, client):
    result = runner.invoke(args=["keys", "create", "--project", "clinic"])
    assert result.exit_code == 0
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("sk_live_")
    stored = db.session.scalar(db.select(ApiKey))
    assert stored.key_hash != secret
    assert db.session.scalar(db.select(Project)).name == "clinic"
    response = client.get("/api/v1/rooms", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_keys_create_test_mode(runner):
    result = runner.invoke(args=["keys", "create", "--project", "clinic", "--test"])
    assert result.stdout.strip().startswith("sk_test_")


def test_two_keys_for_one_project_share_it(runner):
    runner.invoke(args=["keys", "create", "--project", "clinic"])
    runner.invoke(args=["keys", "create", "--project", "clinic"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 2


def test_users_create_makes_an_admin_login(runner):
    result = runner.invoke(args=["users", "create", "Ada@Example.com", "--password", "correct horse"])
    assert result.exit_code == 0
    user = db.session.scalar(db.select(User))
    assert user.email == "ada@example.com"
    assert user.check_password("correct horse")
    assert "correct horse" not in user.password_hash


def test_users_create_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "a@b.c", "--password", "short"])
    assert result.exit_code != 0
    assert db.session.scalar(db.select(User)) is None

"""Bearer authentication with project keys."""

import pytest

from tests.conftest import make_key


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer sk_live_wrong", "Bearer not-a-key", "sk_live_x"],
)
def test_requests_without_a_valid_key_are_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/rooms", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"]["type"] == "unauthorized"


def test_every_api_route_requires_a_key(app, client):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        # Public routes authenticate otherwise (the spec and its reference page for people, and
        # join-token routes under /realtime).
        if getattr(app.view_functions[rule.endpoint], "openapi", {}).get("public"):
            assert rule.rule in (
                "/api/v1/openapi.json",
                "/api/v1/docs",
                "/api/v1/realtime",
                "/api/v1/realtime/info",
                "/api/v1/realtime/recording",
            )
            continue
        path = rule.rule.replace("<", "").replace(">", "")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            assert response.status_code == 401, (method, rule.rule)


def test_test_mode_keys_authenticate(app, client):
    from switchboard.extensions import db
    from switchboard.services import projects

    project = projects.get_or_create_project("acme")
    _key, secret = projects.create_key(project, livemode=False)
    db.session.commit()
    assert secret.startswith("sk_test_")
    assert client.get("/api/v1/rooms", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_revoked_key_stops_working(app, client):
    from switchboard.extensions import db
    from switchboard.models import ApiKey
    from switchboard.services import projects

    secret = make_key(app)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    key = db.session.scalar(db.select(ApiKey))
    projects.revoke_key(key)
    db.session.commit()
    assert client.get("/api/v1/rooms", headers=headers).status_code == 401


def test_keys_are_stored_hashed(app):
    from switchboard.extensions import db
    from switchboard.models import ApiKey

    secret = make_key(app)
    stored = db.session.scalar(db.select(ApiKey))
    assert secret not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64
    assert secret.startswith(stored.prefix)

"""GET /api/v1/audit_events: the project's audit log, identities only as HMACs."""

import hashlib
import hmac

from flask import current_app


def _events(api, query: str = ""):
    response = api.get("/audit_events" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_lists_the_projects_audit_log_newest_first_with_hashed_identities(api, other_api):
    room = api.create_room()
    api.mint(room["id"], "patient-9182", name="Ada Lovelace", metadata={"mrn": "12345"})
    other_api.create_room()

    body = _events(api)
    assert [event["action"] for event in body["data"]] == ["token.created", "room.created"]
    assert body["has_more"] is False and body["next_cursor"] is None
    token_event = body["data"][0]
    assert token_event["id"].startswith("aud_")
    assert token_event["room_id"] == room["id"]
    key = current_app.config["IDENTITY_HASH_KEY"].encode()
    assert token_event["identity_hash"] == hmac.new(key, b"patient-9182", hashlib.sha256).hexdigest()
    assert token_event["detail"]["role"] == "participant"
    raw = str(body)
    for secret in ("patient-9182", "Ada Lovelace", "12345"):
        assert secret not in raw
    assert token_event["created_at"].endswith("Z")


def test_filters_by_room_and_action_and_pages_with_a_cursor(api):
    first = api.create_room(name="One")
    second = api.create_room(name="Two")
    for identity in ("a", "b", "c"):
        api.mint(first["id"], identity)
    api.mint(second["id"], "d")

    assert {e["room_id"] for e in _events(api, f"?room_id={second['id']}")["data"]} == {second["id"]}
    tokens = _events(api, f"?room_id={first['id']}&action=token.created&limit=2")
    assert len(tokens["data"]) == 2 and tokens["has_more"] is True
    rest = _events(api, f"?room_id={first['id']}&action=token.created&limit=2&cursor={tokens['next_cursor']}")
    assert len(rest["data"]) == 1 and rest["has_more"] is False
    ids = [e["id"] for e in tokens["data"] + rest["data"]]
    assert len(set(ids)) == 3
    assert [e["action"] for e in _events(api, "?action=room.created")["data"]] == ["room.created"] * 2


def test_bad_filters_are_400_in_the_envelope(api):
    for query, param in (
        ("?action=room.exploded", "action"),
        ("?limit=0", "limit"),
        ("?cursor=nope", "cursor"),
        ("?room_id=" + "x" * 40, "room_id"),
    ):
        response = api.get("/audit_events" + query)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["param"] == param


def test_requires_an_api_key(client):
    response = client.get("/api/v1/audit_events")
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "unauthorized"

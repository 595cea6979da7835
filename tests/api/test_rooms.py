"""Rooms API, through HTTP, on SQLite and PostgreSQL."""

import re

import pytest

from switchboard.extensions import db
from switchboard.models import Event, Room

SEED_ROOM = {"name": "Patient intake", "capabilities": ["video", "chat", "recording"], "max_participants": 4}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def room_count(app) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Room))


def test_create_room_returns_the_contract_room_object(api):
    response = api.post("/rooms", json={"room": SEED_ROOM})
    assert response.status_code == 201
    room = response.get_json()["data"]
    assert room["id"].startswith("rm_")
    assert room["name"] == "Patient intake"
    assert room["status"] == "idle"
    assert room["capabilities"] == ["video", "chat", "recording"]
    assert room["max_participants"] == 4
    assert room["empty_timeout"] == 300
    assert room["region"] == "local"
    assert room["metadata"] == {}
    assert room["roles"] is None
    assert room["participant_count"] == 0
    assert TIMESTAMP.match(room["created_at"])
    assert room["closed_at"] is None


def test_create_room_accepts_a_body_sent_without_json_content_type(api):
    # The seed's curl examples omit Content-Type; a JSON body is read regardless.
    response = api.client.post(
        "/api/v1/rooms",
        data='{"room": {"name": "x", "capabilities": ["chat"]}}',
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 201


def test_create_room_records_a_room_created_event(app, api):
    room = api.create_room()
    events = db.session.scalars(db.select(Event)).all()
    assert [(e.type, e.data["room_id"]) for e in events] == [("room.created", room["id"])]
    assert events[0].id.startswith("evt_")


def test_create_room_with_all_fields(api):
    room = api.create_room(
        name="Follow-up",
        capabilities=["audio", "chat"],
        max_participants=2,
        empty_timeout=60,
        region="local",
        metadata={"clinic": "north", "n": [1, 2]},
        roles={"patient": {"publish": ["microphone"], "chat": True}},
    )
    assert room["capabilities"] == ["audio", "chat"]
    assert room["empty_timeout"] == 60
    assert room["metadata"] == {"clinic": "north", "n": [1, 2]}
    assert room["roles"] == {
        "patient": {"publish": ["microphone"], "subscribe": True, "chat": True, "moderate": False}
    }


@pytest.mark.parametrize(
    "room, param, code",
    [
        ({"capabilities": ["video"]}, "room.name", "missing_field"),
        ({"name": "x"}, "room.capabilities", "missing_field"),
        ({"name": "", "capabilities": ["video"]}, "room.name", "invalid_field"),
        ({"name": "   ", "capabilities": ["video"]}, "room.name", "invalid_field"),
        ({"name": "x" * 129, "capabilities": ["video"]}, "room.name", "invalid_field"),
        ({"name": 42, "capabilities": ["video"]}, "room.name", "invalid_field"),
        ({"name": "x", "capabilities": []}, "room.capabilities", "invalid_field"),
        ({"name": "x", "capabilities": ["telepathy"]}, "room.capabilities.0", "invalid_field"),
        ({"name": "x", "capabilities": ["chat", "chat"]}, "room.capabilities", "invalid_field"),
        ({"name": "x", "capabilities": "video"}, "room.capabilities", "invalid_field"),
        (
            {"name": "x", "capabilities": ["video"], "max_participants": 0},
            "room.max_participants",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "max_participants": 10001},
            "room.max_participants",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "max_participants": "4"},
            "room.max_participants",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "max_participants": True},
            "room.max_participants",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "max_participants": 4.5},
            "room.max_participants",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "empty_timeout": -1},
            "room.empty_timeout",
            "invalid_field",
        ),
        ({"name": "x", "capabilities": ["video"], "region": "mars-1"}, "room.region", "invalid_field"),
        ({"name": "x", "capabilities": ["video"], "metadata": "a string"}, "room.metadata", "invalid_field"),
        (
            {"name": "x", "capabilities": ["video"], "metadata": {"k": "v" * 4100}},
            "room.metadata",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "roles": {"Bad Name": {}}},
            "room.roles.Bad Name.[key]",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "roles": {"guest": {"publish": ["hologram"]}}},
            "room.roles.guest.publish.0",
            "invalid_field",
        ),
        (
            {"name": "x", "capabilities": ["video"], "roles": {"guest": {"superpower": True}}},
            "room.roles.guest.superpower",
            "unknown_field",
        ),
        ({"name": "x", "capabilities": ["video"], "colour": "red"}, "room.colour", "unknown_field"),
    ],
)
def test_create_room_rejects_bad_fields_and_changes_nothing(app, api, room, param, code):
    response = api.post("/rooms", json={"room": room})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["type"] == "validation_error"
    assert error["code"] == code
    assert error["param"] == param
    assert param.split(".")[1] in error["message"]
    assert room_count(app) == 0


def test_metadata_of_exactly_4096_bytes_is_accepted(api):
    filler = "x" * (4096 - len('{"k":""}'))
    assert (
        api.post(
            "/rooms", json={"room": {"name": "x", "capabilities": ["chat"], "metadata": {"k": filler}}}
        ).status_code
        == 201
    )
    over = {"k": filler + "x"}
    assert (
        api.post(
            "/rooms", json={"room": {"name": "x", "capabilities": ["chat"], "metadata": over}}
        ).status_code
        == 422
    )


def test_metadata_is_measured_in_bytes_not_characters(api):
    # 1366 "é" are 2732 bytes as UTF-8 ... twice that overflows.
    body = {"room": {"name": "x", "capabilities": ["chat"], "metadata": {"k": "é" * 2100}}}
    response = api.post("/rooms", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["param"] == "room.metadata"


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"", "invalid_json"),
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b'"room"', "invalid_json"),
        (b'{"room": NaN}', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
    ],
)
def test_malformed_bodies_are_400_invalid_request(app, api, raw, code):
    response = api.client.post(
        "/api/v1/rooms",
        data=raw,
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "type": "invalid_request",
        "code": code,
        "message": response.get_json()["error"]["message"],
    }
    assert room_count(app) == 0


def test_missing_room_wrapper_is_422_naming_room(api):
    response = api.post("/rooms", json={"name": "x", "capabilities": ["chat"]})
    assert response.status_code == 422
    assert response.get_json()["error"]["param"] in ("room", "name")


def test_oversized_body_is_413(app, api):
    response = api.post(
        "/rooms", json={"room": {"name": "x", "capabilities": ["chat"], "metadata": {"k": "v" * 70000}}}
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["type"] == "too_large"
    assert room_count(app) == 0


def test_retrieve_room(api):
    room = api.create_room()
    response = api.get(f"/rooms/{room['id']}")
    assert response.status_code == 200
    assert response.get_json()["data"] == room


def test_another_projects_room_is_404(api, other_api):
    room = api.create_room()
    for call in (
        lambda: other_api.get(f"/rooms/{room['id']}"),
        lambda: other_api.patch(f"/rooms/{room['id']}", json={"room": {"name": "mine"}}),
        lambda: other_api.delete(f"/rooms/{room['id']}"),
    ):
        response = call()
        assert response.status_code == 404
        assert response.get_json()["error"]["type"] == "not_found"
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["name"] == "Patient intake"
    assert other_api.get("/rooms").get_json()["data"] == []


def test_unknown_room_is_404(api):
    response = api.get("/rooms/rm_doesnotexist")
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "type": "not_found",
        "code": "not_found",
        "message": "No such room.",
        "param": "room_id",
    }


def test_list_rooms_newest_first_with_cursor_pagination(api):
    ids = [api.create_room(name=f"room {i}")["id"] for i in range(5)]
    first = api.get("/rooms?limit=2").get_json()
    assert [r["id"] for r in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    second = api.get(f"/rooms?limit=2&cursor={first['next_cursor']}").get_json()
    assert [r["id"] for r in second["data"]] == ids[::-1][2:4]
    third = api.get(f"/rooms?limit=2&cursor={second['next_cursor']}").get_json()
    assert [r["id"] for r in third["data"]] == ids[::-1][4:]
    assert third["has_more"] is False
    assert third["next_cursor"] is None


def test_list_rooms_default_limit_is_20(api):
    for i in range(21):
        api.create_room(name=f"r{i}")
    body = api.get("/rooms").get_json()
    assert len(body["data"]) == 20
    assert body["has_more"] is True


def test_list_rooms_filters_by_status(api):
    open_room = api.create_room(name="open")
    closed = api.create_room(name="closed")
    api.delete(f"/rooms/{closed['id']}")
    assert [r["id"] for r in api.get("/rooms?status=closed").get_json()["data"]] == [closed["id"]]
    assert [r["id"] for r in api.get("/rooms?status=idle").get_json()["data"]] == [open_room["id"]]


@pytest.mark.parametrize(
    "query, param",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("status=open", "status"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=W10", "cursor"),
    ],
)
def test_list_rooms_rejects_bad_query(api, query, param):
    response = api.get(f"/rooms?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["type"] == "invalid_request"
    assert error["param"] == param


def test_patch_room_changes_only_sent_fields(api):
    room = api.create_room(metadata={"a": 1})
    response = api.patch(f"/rooms/{room['id']}", json={"room": {"name": "Renamed", "max_participants": 8}})
    assert response.status_code == 200
    updated = response.get_json()["data"]
    assert updated["name"] == "Renamed"
    assert updated["max_participants"] == 8
    assert updated["metadata"] == {"a": 1}
    assert updated["capabilities"] == room["capabilities"]
    cleared = api.patch(f"/rooms/{room['id']}", json={"room": {"metadata": None}}).get_json()["data"]
    assert cleared["metadata"] == {}


@pytest.mark.parametrize(
    "change, param, code",
    [
        ({"name": None}, "room.name", "invalid_field"),
        ({"capabilities": ["chat"]}, "room.capabilities", "unknown_field"),
        ({"status": "active"}, "room.status", "unknown_field"),
        ({"max_participants": 0}, "room.max_participants", "invalid_field"),
        ({"metadata": {"k": "v" * 5000}}, "room.metadata", "invalid_field"),
    ],
)
def test_patch_room_rejects_bad_fields_and_changes_nothing(api, change, param, code):
    room = api.create_room()
    response = api.patch(f"/rooms/{room['id']}", json={"room": change})
    assert response.status_code == 422
    assert (response.get_json()["error"]["param"], response.get_json()["error"]["code"]) == (param, code)
    assert api.get(f"/rooms/{room['id']}").get_json()["data"] == room


def test_patch_closed_room_is_409_room_closed(api):
    room = api.create_room()
    api.delete(f"/rooms/{room['id']}")
    response = api.patch(f"/rooms/{room['id']}", json={"room": {"name": "again"}})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "room_closed"


def test_delete_closes_the_room_idempotently(app, api):
    room = api.create_room()
    first = api.delete(f"/rooms/{room['id']}")
    assert first.status_code == 200
    closed = first.get_json()["data"]
    assert closed["status"] == "closed"
    assert TIMESTAMP.match(closed["closed_at"])
    second = api.delete(f"/rooms/{room['id']}")
    assert second.status_code == 200
    assert second.get_json()["data"] == closed
    types = [e.type for e in db.session.scalars(db.select(Event).order_by(Event.created_at))]
    assert types.count("room.closed") == 1

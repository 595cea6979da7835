"""Chat history: GET /rooms/:room_id/messages, ascending by seq, after_seq and cursor."""

import pytest

from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import Event
from switchboard.services import chat


def store(room_id: str, count: int, identity: str = "clinician-22") -> None:
    sender = VerifiedToken("tok_x", identity, identity, room_id, "participant", True, False)
    for i in range(count):
        chat.post_message(room_id, sender, f"message {i + 1}")
        db.session.commit()


def test_history_is_ascending_by_seq_with_the_message_shape(api):
    room = api.create_room()
    store(room["id"], 3)
    response = api.get(f"/rooms/{room['id']}/messages")
    assert response.status_code == 200
    body = response.get_json()
    assert [m["seq"] for m in body["data"]] == [1, 2, 3]
    assert body["has_more"] is False and body["next_cursor"] is None
    first = body["data"][0]
    assert set(first) == {"id", "room_id", "from", "body", "sent_at", "seq"}
    assert first["id"].startswith("msg_")
    assert first["from"] == "clinician-22"
    assert first["body"] == "message 1"


def test_after_seq_and_cursor_page_forward(api):
    room = api.create_room()
    store(room["id"], 7)
    page1 = api.get(f"/rooms/{room['id']}/messages?after_seq=2&limit=3").get_json()
    assert [m["seq"] for m in page1["data"]] == [3, 4, 5]
    assert page1["has_more"] is True
    page2 = api.get(f"/rooms/{room['id']}/messages?limit=3&cursor={page1['next_cursor']}").get_json()
    assert [m["seq"] for m in page2["data"]] == [6, 7]
    assert page2["has_more"] is False


def test_each_room_has_its_own_gap_free_sequence(api):
    first, second = api.create_room(), api.create_room()
    store(first["id"], 2)
    store(second["id"], 3)
    store(first["id"], 1)
    assert [m["seq"] for m in api.get(f"/rooms/{first['id']}/messages").get_json()["data"]] == [1, 2, 3]
    assert [m["seq"] for m in api.get(f"/rooms/{second['id']}/messages").get_json()["data"]] == [1, 2, 3]


def test_a_rolled_back_message_gives_its_seq_back(api):
    room = api.create_room()
    store(room["id"], 1)
    sender = VerifiedToken("tok_x", "a", "a", room["id"], "participant", True, False)
    chat.post_message(room["id"], sender, "never committed")
    db.session.rollback()
    store(room["id"], 1)
    assert [m["seq"] for m in api.get(f"/rooms/{room['id']}/messages").get_json()["data"]] == [1, 2]


def test_a_batch_takes_consecutive_seqs_and_a_rolled_back_batch_gives_them_all_back(api):
    room = api.create_room()
    store(room["id"], 1)
    sender = VerifiedToken("tok_x", "a", "a", room["id"], "participant", True, False)
    batch = chat.post_messages(room["id"], [(sender, f"lost {i}") for i in range(5)])
    assert [m.seq for m in batch] == [2, 3, 4, 5, 6]
    db.session.rollback()
    kept = chat.post_messages(room["id"], [(sender, f"kept {i}") for i in range(3)])
    db.session.commit()
    assert [m.seq for m in kept] == [2, 3, 4]
    store(room["id"], 1)
    listed = api.get(f"/rooms/{room['id']}/messages").get_json()["data"]
    assert [(m["seq"], m["body"]) for m in listed] == [
        (1, "message 1"),
        (2, "kept 0"),
        (3, "kept 1"),
        (4, "kept 2"),
        (5, "message 1"),
    ]
    # One message.created event per message, each with its own seq.
    events = db.session.scalars(db.select(Event).where(Event.type == "message.created")).all()
    assert sorted(e.data["seq"] for e in events) == [1, 2, 3, 4, 5]


def test_message_created_is_handed_to_the_webhook_outbox(api):
    room = api.create_room()
    store(room["id"], 1)
    event = db.session.scalar(db.select(Event).where(Event.type == "message.created"))
    assert event.data["room_id"] == room["id"]
    assert event.data["seq"] == 1
    assert event.data["body"] == "message 1"
    assert event.data["from"] == "clinician-22"


@pytest.mark.parametrize(
    "query, param",
    [
        ("after_seq=-1", "after_seq"),
        ("after_seq=abc", "after_seq"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=garbage!", "cursor"),
        ("cursor=c2VxOjE&after_seq=1", "cursor"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, query, param):
    room = api.create_room()
    response = api.get(f"/rooms/{room['id']}/messages?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


def test_another_projects_room_is_404(api, other_api):
    room = api.create_room()
    store(room["id"], 1)
    assert other_api.get(f"/rooms/{room['id']}/messages").status_code == 404


def test_history_needs_an_api_key(client, api):
    room = api.create_room()
    assert client.get(f"/api/v1/rooms/{room['id']}/messages").status_code == 401


def test_realtime_info_describes_the_token(api, client):
    room = api.create_room(capabilities=["video", "chat"])
    token = api.post(f"/rooms/{room['id']}/tokens", json={"identity": "watcher", "role": "viewer"}).get_json()
    info = client.get(f"/api/v1/realtime/info?token={token['data']['token']}").get_json()["data"]
    assert info["room_id"] == room["id"]
    assert info["identity"] == "watcher"
    assert info["can_chat"] is False
    assert info["can_publish"] == []
    assert info["livekit_url"]
    assert info["realtime_url"] == "ws://switchboard.test/api/v1/realtime"


def test_realtime_info_refuses_bad_tokens_and_closed_rooms(api, client):
    assert client.get("/api/v1/realtime/info").status_code == 400
    assert client.get("/api/v1/realtime/info?token=nope").status_code == 401
    room = api.create_room()
    token = api.post(f"/rooms/{room['id']}/tokens", json={"identity": "a"}).get_json()["data"]["token"]
    api.delete(f"/rooms/{room['id']}")
    response = client.get(f"/api/v1/realtime/info?token={token}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "room_closed"


def test_plain_http_get_on_the_socket_url_is_a_400(client):
    response = client.get("/api/v1/realtime?token=x")
    assert response.status_code == 400
    assert response.get_json()["error"]["type"] == "invalid_request"

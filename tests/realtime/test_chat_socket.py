"""The chat socket against a real gunicorn + gevent server: delivery, order, replay, refusals."""

import time

import pytest
import requests
from websocket import WebSocketTimeoutException

from tests.support.chatclient import Closed

pytestmark = pytest.mark.slow

RATE, BURST = 100, 60


@pytest.fixture(scope="module")
def server_env():
    return {"CHAT_RATE_PER_SECOND": str(RATE), "CHAT_RATE_BURST": str(BURST)}


def join(connect, token, since=None):
    client = connect(token, since)
    state = client.expect("presence.state")
    return client, state["data"]


def test_two_members_exchange_messages(api, mint, connect):
    room = api.create_room()
    alice, _ = join(connect, mint(room["id"], "alice", name="Alice"))
    bob, state = join(connect, mint(room["id"], "bob"))
    assert {p["identity"] for p in state["participants"]} == {"alice", "bob"}
    joined = alice.expect("presence.joined", skip=())
    assert joined["data"]["identity"] == "bob"

    alice.send("chat.message", {"body": "Hi, ready when you are."}, ref="r1")
    got = bob.expect("message.created")["data"]
    assert got["from"] == "alice"
    assert got["body"] == "Hi, ready when you are."
    assert got["room_id"] == room["id"]
    assert got["id"].startswith("msg_")
    assert got["seq"] == 1
    assert got["sent_at"].endswith("Z")

    frames = [alice.recv(), alice.recv()]
    by_event = {f["event"]: f for f in frames}
    assert by_event["message.created"]["data"] == got
    assert by_event["ack"]["data"] == {"ref": "r1", "id": got["id"], "seq": 1}
    assert by_event["ack"]["ref"] == "r1"

    bob.send("chat.message", {"body": "Ready."})
    assert alice.expect("message.created")["data"]["seq"] == 2


def test_every_member_sees_the_same_seq_order(api, mint, connect):
    room = api.create_room()
    members = [join(connect, mint(room["id"], f"m{i}"))[0] for i in range(4)]
    for round_ in range(10):
        for i, member in enumerate(members):
            member.send("chat.message", {"body": f"{i}-{round_}"})
    seen = [[(m["seq"], m["id"], m["body"]) for m in member.messages(40)] for member in members]
    assert [s for s, _, _ in seen[0]] == list(range(1, 41))
    assert all(other == seen[0] for other in seen[1:])


def test_reconnect_with_since_gets_exactly_what_was_missed(api, mint, connect):
    room = api.create_room()
    sender, _ = join(connect, mint(room["id"], "sender"))
    reader_token = mint(room["id"], "reader")
    reader, _ = join(connect, reader_token)
    for i in range(5):
        sender.send("chat.message", {"body": f"before {i}"})
    last = reader.messages(5)[-1]["seq"]
    reader.close()
    for i in range(7):
        sender.send("chat.message", {"body": f"missed {i}"})
    sender.messages(12)

    again = connect(reader_token, since=last)
    assert again.expect("presence.state")
    replayed = again.messages(7)
    assert [m["seq"] for m in replayed] == list(range(6, 13))
    assert [m["body"] for m in replayed] == [f"missed {i}" for i in range(7)]
    sender.send("chat.message", {"body": "live"})
    live = again.messages(1)[0]
    assert (live["seq"], live["body"]) == (13, "live")


def test_since_replays_while_messages_keep_arriving_without_gap_or_duplicate(api, mint, connect):
    room = api.create_room()
    sender, _ = join(connect, mint(room["id"], "sender"))
    reader_token = mint(room["id"], "reader")
    for i in range(20):
        sender.send("chat.message", {"body": f"{i}"})
    sender.messages(20)
    for i in range(20, 40):
        sender.send("chat.message", {"body": f"{i}"})
    reader = connect(reader_token, since=3)  # connects while the second batch is being stored
    got = reader.messages(37)
    assert [m["seq"] for m in got] == list(range(4, 41))


def test_body_over_4000_characters_is_refused_and_the_socket_stays_up(api, mint, connect):
    room = api.create_room()
    client, _ = join(connect, mint(room["id"], "alice"))
    client.send("chat.message", {"body": "x" * 4001}, ref="long")
    error = client.expect("error")
    assert error["data"]["code"] == "invalid_field"
    assert error["data"]["ref"] == "long"
    client.send("chat.message", {"body": "x" * 4000}, ref="ok")
    assert client.expect("message.created")["data"]["body"] == "x" * 4000


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"event": "chat.delete", "data": {}}', "unknown_event"),
        ('{"event": "chat.message", "data": {"body": 5}}', "invalid_field"),
        ('{"event": "chat.message", "data": {"body": ""}}', "invalid_field"),
        ('{"event": "chat.message", "data": {"body": "hi", "x": 1}}', "invalid_field"),
        ('{"event": "typing", "data": {"active": "yes"}}', "invalid_field"),
        ('{"event": "ping", "extra": 1}', "invalid_frame"),
        (b"\x00\x01", "invalid_frame"),
    ],
)
def test_bad_frames_get_an_error_and_the_socket_stays_up(api, mint, connect, raw, code):
    room = api.create_room()
    client, _ = join(connect, mint(room["id"], "alice"))
    client.send_raw(raw)
    assert client.expect("error")["data"]["code"] == code
    client.send("ping", ref=7)
    pong = client.expect("pong")
    assert pong["ref"] == 7


def test_rate_limit_answers_rate_limited(api, mint, connect):
    room = api.create_room()
    client, _ = join(connect, mint(room["id"], "alice"))
    for i in range(3 * BURST):
        client.send("ping", ref=i)
    frames = [client.recv() for _ in range(3 * BURST)]
    errors = [f["data"]["code"] for f in frames if f["event"] == "error"]
    assert errors and set(errors) == {"rate_limited"}
    assert sum(f["event"] == "pong" for f in frames) < 2 * BURST  # the burst, plus what refilled meanwhile
    time.sleep(BURST / RATE)
    client.send("ping", ref="later")
    assert client.expect("pong")["ref"] == "later"


def test_a_flood_is_answered_with_rate_limited_and_every_ack_is_a_stored_message(api, mint, connect):
    room = api.create_room()
    client = connect(mint(room["id"], "flood"))
    client.expect("presence.state")
    for i in range(1500):
        client.send("chat.message", {"body": f"m{i}"}, ref=i)
    answers = []
    try:
        while True:
            answers.append(client.recv(3))
    except (Closed, OSError, WebSocketTimeoutException):
        pass
    acked = sorted(a["data"]["seq"] for a in answers if a["event"] == "ack")
    refused = [a["data"]["code"] for a in answers if a["event"] == "error"]
    assert refused and set(refused) == {"rate_limited"}
    assert len(acked) + len(refused) == 1500
    last = api.get(f"/rooms/{room['id']}/messages?after_seq={len(acked) - 1}").get_json()["data"]
    assert [m["seq"] for m in last] == [len(acked)] and acked == list(range(1, len(acked) + 1))


def test_typing_reaches_others_not_the_sender(api, mint, connect):
    room = api.create_room()
    alice, _ = join(connect, mint(room["id"], "alice"))
    bob, _ = join(connect, mint(room["id"], "bob"))
    alice.send("typing", {"active": True})
    typing = bob.expect("typing", skip=("presence.joined",))
    assert typing["data"] == {"identity": "alice", "active": True}
    alice.send("ping", ref="p")
    assert alice.expect("pong", skip=("presence.joined",))["ref"] == "p"


def test_presence_left_when_a_member_disconnects(api, mint, connect):
    room = api.create_room()
    alice, _ = join(connect, mint(room["id"], "alice"))
    bob, _ = join(connect, mint(room["id"], "bob"))
    alice.expect("presence.joined", skip=())
    bob.close()
    left = alice.expect("presence.left", skip=())
    assert left["data"] == {"identity": "bob"}


def test_viewer_may_read_but_not_send(api, mint, connect):
    room = api.create_room()
    host, _ = join(connect, mint(room["id"], "host", role="host"))
    viewer, _ = join(connect, mint(room["id"], "watcher", role="viewer"))
    viewer.send("chat.message", {"body": "hello"}, ref="v")
    assert viewer.expect("error")["data"]["code"] == "forbidden"
    host.send("chat.message", {"body": "welcome"})
    assert viewer.expect("message.created")["data"]["body"] == "welcome"


def test_room_without_chat_refuses_with_4403(api, mint, connect):
    room = api.create_room(capabilities=["video"])
    assert connect(mint(room["id"], "alice")).close_code() == 4403
    assert connect(mint(room["id"], "watcher", role="viewer")).close_code() == 4403


def test_the_waiting_room_over_the_socket_hosts_see_the_queue_and_admit(api, mint, connect):
    room = api.create_room(waiting_room=True)
    host = connect(mint(room["id"], "clinician", role="host"))
    assert host.expect("presence.state")["data"]["participants"][0]["identity"] == "clinician"
    assert host.expect("waiting.state")["data"] == {"waiting": []}
    host.send("chat.message", {"body": "room chat the patient must not see"}, ref="c1")
    noise = ("presence.joined", "presence.left", "typing", "ack", "message.created")

    link = mint(room["id"], "patient", role="patient", name="Pat")
    patient = connect(link)
    joined = host.expect("waiting.joined", skip=noise)["data"]
    assert (joined["identity"], joined["name"], joined["role"]) == ("patient", "Pat", "patient")
    assert [w["identity"] for w in api.get(f"/rooms/{room['id']}/waiting").get_json()["data"]] == ["patient"]

    host.send("waiting.message", {"identity": "patient", "body": "Running 5 minutes late"}, ref="m1")
    first = patient.recv()  # nothing of the room (no presence, no chat): only the host's message
    assert (first["event"], first["data"]) == ("waiting.message", {"body": "Running 5 minutes late"})
    patient.send("chat.message", {"body": "hello?"}, ref="p1")
    assert patient.expect("error")["data"]["code"] == "waiting"

    host.send("waiting.admit", {"identity": "patient"}, ref="a1")
    assert patient.expect("waiting.admitted")["data"] == {}
    assert patient.close_code() == 4000
    assert host.expect("waiting.left", skip=noise)["data"] == {"identity": "patient", "status": "admitted"}
    member = connect(link, since=0)  # the page reconnects with the same link: in the room now
    assert member.expect("presence.state")
    assert member.expect("message.created")["data"]["body"] == "room chat the patient must not see"


def test_a_denied_waiting_person_hears_why_and_is_closed(api, mint, connect):
    room = api.create_room(waiting_room=True)
    host = connect(mint(room["id"], "clinician", role="host"))
    host.expect("presence.state")
    host.expect("waiting.state")
    link = mint(room["id"], "patient", role="patient")
    patient = connect(link)
    host.expect("waiting.joined")
    viewer = connect(mint(room["id"], "someone", role="patient"))
    host.expect("waiting.joined")
    viewer.send("waiting.admit", {"identity": "patient"}, ref="x")
    assert viewer.expect("error")["data"]["code"] == "waiting"  # the waiting may not admit anyone
    host.send("waiting.deny", {"identity": "patient", "message": "Please book another slot."}, ref="d1")
    assert host.expect("waiting.left", skip=("ack",))["data"] == {"identity": "patient", "status": "denied"}
    assert patient.expect("waiting.denied")["data"] == {"message": "Please book another slot."}
    assert patient.close_code() == 4401
    assert connect(link).close_code() == 4401  # their tokens are revoked


def test_bad_and_expired_tokens_are_refused_with_4401(app, api, mint, connect):
    import jwt as pyjwt

    room = api.create_room()
    assert connect("not-a-token").close_code() == 4401
    token = mint(room["id"], "alice", ttl_seconds=60)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 5
    expired = pyjwt.encode(claims, app.config["LIVEKIT_API_SECRET"], algorithm="HS256")
    assert connect(expired).close_code() == 4401
    forged = pyjwt.encode(
        {**claims, "exp": int(time.time()) + 600}, "wrong-secret-0123456789abcdefghij", algorithm="HS256"
    )
    assert connect(forged).close_code() == 4401


def test_revoked_token_is_closed_with_4401_and_cannot_reconnect(app, api, mint, connect):
    from switchboard.extensions import db
    from switchboard.models import Room
    from switchboard.services import tokens

    room = api.create_room()
    token = mint(room["id"], "patient")
    other, _ = join(connect, mint(room["id"], "clinician"))
    client, _ = join(connect, token)
    # What `DELETE /participants/:identity` does (issue 3 wires the route): revoke, then signal.
    tokens.revoke_identity(db.session.get(Room, room["id"]), "patient")
    db.session.commit()
    assert client.close_code(timeout=5) == 4401  # the socket's periodic re-check
    assert connect(token).close_code() == 4401
    left = other.expect("presence.left", skip=("presence.joined",))
    assert left["data"]["identity"] == "patient"


def test_closing_the_room_sends_room_closed_then_4404(api, mint, connect, server):
    room = api.create_room()
    token = mint(room["id"], "alice")
    client, _ = join(connect, token)
    # Through the server, so its `room_closed` signal reaches the socket at once.
    started = time.monotonic()
    response = requests.delete(
        f"{server.url}/api/v1/rooms/{room['id']}", headers={"Authorization": f"Bearer {api.key}"}, timeout=10
    )
    assert response.status_code == 200
    assert client.expect("room.closed", timeout=5)["data"] == {"room_id": room["id"]}
    assert time.monotonic() - started < 0.9  # the signal, not the 1 s periodic check
    assert client.close_code() == 4404
    assert connect(token).close_code() == 4404


def test_malformed_since_is_refused_with_4400(api, mint, connect):
    room = api.create_room()
    assert connect(mint(room["id"], "alice"), since="abc").close_code() == 4400


def test_chat_only_members_are_on_the_roster_and_count(api, mint, connect):
    room = api.create_room(capabilities=["chat"])
    join(connect, mint(room["id"], "alice", name="Alice", role="clinician"))
    roster = api.get(f"/rooms/{room['id']}/participants").get_json()["data"]
    assert [(p["identity"], p["name"], p["role"], p["state"], p["tracks"]) for p in roster] == [
        ("alice", "Alice", "clinician", "chat", [])
    ]
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["participant_count"] == 1


def test_removing_a_chat_member_closes_their_socket_and_old_tokens_stay_out(api, mint, connect, server):
    room = api.create_room(capabilities=["chat"])
    token = mint(room["id"], "patient")
    other, _ = join(connect, mint(room["id"], "clinician"))
    client, _ = join(connect, token)
    started = time.monotonic()
    response = requests.delete(
        f"{server.url}/api/v1/rooms/{room['id']}/participants/patient",
        headers={"Authorization": f"Bearer {api.key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"identity": "patient", "status": "removed"}
    assert client.close_code(timeout=5) == 4401
    assert time.monotonic() - started < 0.9  # the participant_removed signal, not the periodic check
    assert connect(token).close_code() == 4401
    assert other.expect("presence.left", skip=("presence.joined",))["data"]["identity"] == "patient"
    roster = api.get(f"/rooms/{room['id']}/participants").get_json()["data"]
    assert [p["identity"] for p in roster] == ["clinician"]
    again = api.delete(f"/rooms/{room['id']}/participants/patient")
    assert again.status_code == 404


def test_the_largest_allowed_token_opens_the_socket(api, mint, connect):
    # Room and participant metadata at their 4096-byte limits, all quotes (escaped in the JWT).
    big = {"k": '"' * ((4096 - len('{"k":""}')) // 2)}
    room = api.create_room(metadata=big)
    token = mint(room["id"], "x" * 128, name="N" * 128, metadata=big, role="clinician")
    assert len(token) > 8190  # longer than any bounded gunicorn request line
    client, state = join(connect, token)
    assert [p["identity"] for p in state["participants"]] == ["x" * 128]

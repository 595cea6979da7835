"""The chat socket under hostile input, against a real gunicorn + gevent server: random and
malformed frames, huge frames, floods, stale `since`, tokens of closed rooms. The socket
answers every bad frame with an `error` and stays up; nothing crashes it or the server."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

EVENTS = ["chat.message", "typing", "ping", "waiting.admit", "waiting.deny", "waiting.message", "x", ""]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FRAMES = st.one_of(
    st.text(alphabet=string.printable, max_size=200),
    st.binary(max_size=64),
    JSON.map(json.dumps),
    st.fixed_dictionaries(
        {"event": st.sampled_from(EVENTS)},
        optional={"data": JSON, "ref": st.one_of(st.integers(), st.text(max_size=200), JSON)},
    ).map(json.dumps),
)
ANSWERS = {"error", "pong", "ack", "message.created", "typing", "presence.joined", "presence.left"}


@pytest.fixture(scope="module")
def server_env():
    return {"CHAT_RATE_PER_SECOND": "1000", "CHAT_RATE_BURST": "1000"}


def test_random_frames_get_answers_and_never_break_the_socket(api, mint, connect):
    room = api.create_room()
    client = connect(mint(room["id"], "fuzzer"))
    client.expect("presence.state")
    sent = []

    @given(frame=FRAMES)
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def one(frame):
        sent.append(frame)
        client.send_raw(frame)
        client.send("ping", ref="after")  # the socket is still up and still in order
        while (answer := client.recv(5))["event"] != "pong" or answer.get("ref") != "after":
            assert answer["event"] in ANSWERS, (frame, answer)

    one()
    assert len(sent) == 150


def test_a_frame_over_64_kib_closes_with_1009_and_the_server_keeps_serving(api, mint, connect):
    room = api.create_room()
    token = mint(room["id"], "big")
    client = connect(token)
    client.expect("presence.state")
    client.send_raw(json.dumps({"event": "chat.message", "data": {"body": "x" * (70 * 1024)}}))
    try:
        code = client.close_code()
    except ConnectionResetError:  # the server closed while the client was still writing
        code = "reset"
    assert code in (1009, "reset")
    again = connect(token)
    assert again.expect("presence.state")


def test_stale_and_future_since_are_clamped_and_malformed_since_is_refused(api, mint, connect):
    room = api.create_room()
    token = mint(room["id"], "late")
    sender = connect(token)
    sender.expect("presence.state")
    for i in range(3):
        sender.send("chat.message", {"body": f"m{i}"}, ref=i)
        sender.expect("ack", skip=("presence.joined", "presence.left", "typing", "message.created"))
    ahead = connect(token, since=999999)  # a client from the future gets nothing replayed, no error
    ahead.expect("presence.state")
    ahead.send("ping", ref="p")
    assert ahead.expect("pong")["ref"] == "p"
    behind = connect(token, since=0)
    behind.expect("presence.state")
    assert [behind.expect("message.created")["data"]["seq"] for _ in range(3)] == [1, 2, 3]
    for bad in ("-1", "1e9", "99999999999", "abc"):
        assert connect(token, since=bad).close_code() == 4400


def test_a_closed_rooms_tokens_get_4404(api, mint, connect):
    room = api.create_room()
    token = mint(room["id"], "someone")
    api.delete(f"/rooms/{room['id']}")
    assert connect(token).close_code() == 4404

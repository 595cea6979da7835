"""Redis stopped while chat flows between two Switchboard processes (fan-out through Redis):
every message a sender got an ack for is stored and reaches the other process's members once
Redis is back (live, after the hub reconnects, and by `since` replay at any time); the API
keeps answering; /readyz reports Redis down, then up."""

import time

import pytest
import requests

from tests.e2e.faults.conftest import SECRET, Http, rows, start_all
from tests.support.chatclient import ChatClient
from tests.support.servers import AppServer, RedisServer

pytestmark = pytest.mark.slow


def send(client: ChatClient, body: str) -> dict:
    """Send one message; its ack (or error) frame."""
    client.send("chat.message", {"body": body}, ref=body)
    while True:
        frame = client.recv(timeout=10)
        if frame.get("ref") == body and frame["event"] in ("ack", "error"):
            return frame


def received(client: ChatClient, count: int, timeout: float) -> list[dict]:
    return client.messages(count, timeout=timeout)


def test_redis_stopped_while_chat_flows(database):
    url, key = database
    redis = RedisServer().start()
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "REDIS_URL": redis.url,
        "REALTIME_CHANNEL_PREFIX": "faults-redis",
        "LOG_LEVEL": "WARNING",
    }
    one, two = AppServer(env), AppServer(env)  # two processes: fan-out crosses Redis
    clients: list[ChatClient] = []
    try:
        start_all(one, two)
        http_one, http_two = Http(one.url, key), Http(two.url, key)
        room = http_one.create_room(capabilities=["chat"])
        alice = ChatClient(one.url, http_one.mint(room["id"], "alice")["token"])
        bob_token = http_one.mint(room["id"], "bob")["token"]
        bob = ChatClient(two.url, bob_token)
        clients += [alice, bob]
        time.sleep(0.3)  # both subscribed

        acked = []
        for n in range(5):
            frame = send(alice, f"before {n}")
            assert frame["event"] == "ack"
            acked.append(frame["data"]["seq"])
        assert [m["seq"] for m in received(bob, 5, timeout=5)] == acked  # live across processes
        assert requests.get(one.url + "/readyz", timeout=5).json()["data"]["redis"] == "ok"

        redis.stop()
        down_at = time.monotonic()
        ready = requests.get(two.url + "/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["data"]["redis"] == "unreachable"
        # The API keeps working (rate limits fall back to this process's memory).
        started = time.monotonic()
        other = http_two.create_room(capabilities=["chat"])
        assert http_two.call("GET", f"/rooms/{other['id']}").status_code == 200
        assert time.monotonic() - started < 3
        during = []
        for n in range(5):
            frame = send(alice, f"during {n}")
            # An ack (stored) or a clear error, never silence.
            assert frame["event"] == "ack", frame
            during.append(frame["data"]["seq"])
        acked += during
        # A member who (re)connects while Redis is down gets what it missed by replay.
        carol = ChatClient(two.url, http_two.mint(room["id"], "carol")["token"], since=acked[4])
        assert [m["seq"] for m in received(carol, 5, timeout=5)] == during
        carol.close()
        time.sleep(max(0.0, down_at + 2 - time.monotonic()))  # a real outage, not a blip

        redis.start()  # back on the same port
        up_at = time.monotonic()
        # Bob's process catches up by itself once its listener is back: each message once, in order.
        got = received(bob, 5, timeout=20)
        caught_up_at = time.monotonic()
        assert [m["seq"] for m in got] == during
        frame = send(alice, "after")
        assert frame["event"] == "ack"
        acked.append(frame["data"]["seq"])
        assert [m["seq"] for m in received(bob, 1, timeout=5)] == acked[-1:]  # live again
        ready = requests.get(two.url + "/readyz", timeout=5).json()["data"]
        assert ready["redis"] == "ok"
        # Nothing more, nothing twice.
        bob.ws.settimeout(0.5)
        extra = []
        try:
            extra = received(bob, 1, timeout=1)
        except Exception:  # noqa: BLE001  (the timeout we hope for)
            pass
        assert extra == []
        assert one.proc.poll() is None and two.proc.poll() is None
    finally:
        for client in clients:  # open sockets would hold gunicorn's graceful stop
            client.close()
        for server in (one, two):
            server.stop()
        redis.stop()

    stored = rows(url, "select seq from chat_messages where room_id = :room order by seq", room=room["id"])
    assert [seq for (seq,) in stored] == acked == list(range(1, 12))
    print(
        "redis outage:",
        {"outage_s": round(up_at - down_at, 2), "caught_up_after_start_s": round(caught_up_at - up_at, 2)},
    )

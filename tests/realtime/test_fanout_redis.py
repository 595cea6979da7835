"""Two app processes sharing Redis and the database: members connected to different processes
receive every message in the same order."""

import threading
import uuid

import pytest
import redis

from tests.support.chatclient import ChatClient
from tests.support.components import require_component
from tests.support.servers import AppServer

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
SENDERS_PER_SERVER = 2
READERS_PER_SERVER = 2
MESSAGES_PER_SENDER = 500


@pytest.fixture(scope="module")
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_component("Redis", f"cannot reach {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture(scope="module")
def servers(backend, database_urls, redis_url):
    env = {
        "DATABASE_URL": database_urls(backend),
        "REDIS_URL": redis_url,
        "REALTIME_CHANNEL_PREFIX": "sbtest-" + uuid.uuid4().hex[:12],
        "CHAT_RATE_PER_SECOND": "100000",
        "CHAT_RATE_BURST": "100000",
        "API_RATE_LIMIT": "100000 per second",
    }
    with AppServer(env=env) as first, AppServer(env=env) as second:
        yield first, second


def _collect(client: ChatClient, count: int, out: list, errors: list) -> None:
    try:
        out.extend(client.messages(count, timeout=180))
    except Exception as exc:  # reported by the test thread
        errors.append(repr(exc))


def test_members_on_two_processes_receive_every_message_in_the_same_order(api, mint, servers):
    room = api.create_room()
    clients: list[ChatClient] = []
    senders: list[ChatClient] = []
    try:
        for index, server in enumerate(servers):
            for n in range(SENDERS_PER_SERVER + READERS_PER_SERVER):
                client = ChatClient(server.url, mint(room["id"], f"s{index}-m{n}"))
                client.expect("presence.state")
                clients.append(client)
                if n < SENDERS_PER_SERVER:
                    senders.append(client)
        total = len(senders) * MESSAGES_PER_SENDER
        received = [[] for _ in clients]
        errors: list[str] = []
        readers = [
            threading.Thread(target=_collect, args=(c, total, received[i], errors))
            for i, c in enumerate(clients)
        ]
        for thread in readers:
            thread.start()

        def send_all(sender: ChatClient, tag: str) -> None:
            for i in range(MESSAGES_PER_SENDER):
                sender.send("chat.message", {"body": f"{tag} {i}"})

        writers = [threading.Thread(target=send_all, args=(s, f"w{k}")) for k, s in enumerate(senders)]
        for thread in writers:
            thread.start()
        for thread in writers + readers:
            thread.join(200)
        assert not errors, errors[:3]

        reference = [(m["seq"], m["id"], m["from"], m["body"]) for m in received[0]]
        assert [seq for seq, *_ in reference] == list(range(1, total + 1))
        for other in received[1:]:
            assert [(m["seq"], m["id"], m["from"], m["body"]) for m in other] == reference
        # Each sender's own messages keep the order it sent them in.
        for k in range(len(senders)):
            mine = [body for _, _, _, body in reference if body.startswith(f"w{k} ")]
            assert mine == [f"w{k} {i}" for i in range(MESSAGES_PER_SENDER)]
        history = api.get(f"/rooms/{room['id']}/messages?after_seq={total - 5}").get_json()["data"]
        assert [(m["seq"], m["id"]) for m in history] == [(s, i) for s, i, *_ in reference[-5:]]
    finally:
        for client in clients:
            client.close()


def test_typing_and_presence_cross_processes(api, mint, servers):
    room = api.create_room()
    first, second = servers
    alice = ChatClient(first.url, mint(room["id"], "alice"))
    alice.expect("presence.state")
    bob = ChatClient(second.url, mint(room["id"], "bob"))
    try:
        assert {p["identity"] for p in bob.expect("presence.state")["data"]["participants"]} == {
            "alice",
            "bob",
        }
        assert alice.expect("presence.joined", skip=())["data"]["identity"] == "bob"
        bob.send("typing", {"active": True})
        assert alice.expect("typing", skip=())["data"] == {"identity": "bob", "active": True}
        bob.close()
        assert alice.expect("presence.left", skip=())["data"] == {"identity": "bob"}
    finally:
        alice.close()
        bob.close()


def test_room_close_reaches_sockets_on_every_process(api, mint, servers):
    import requests

    room = api.create_room()
    first, second = servers
    a = ChatClient(first.url, mint(room["id"], "a"))
    b = ChatClient(second.url, mint(room["id"], "b"))
    try:
        a.expect("presence.state")
        b.expect("presence.state")
        response = requests.delete(
            f"{first.url}/api/v1/rooms/{room['id']}",
            headers={"Authorization": f"Bearer {api.key}"},
            timeout=10,
        )
        assert response.status_code == 200
        for client in (a, b):
            assert client.expect("room.closed", timeout=3)["data"] == {"room_id": room["id"]}
            assert client.close_code() == 4404
    finally:
        a.close()
        b.close()


def test_participant_removed_signal_closes_their_sockets_on_every_process(app, api, mint, servers):
    """`participant_removed` sent in any process (here: the test's own, sharing Redis) closes
    the identity's sockets everywhere with 4401; other members stay connected."""
    from switchboard import create_app
    from switchboard.extensions import db
    from switchboard.models import Room
    from switchboard.plumbing.signals import participant_removed
    from switchboard.services import tokens

    room = api.create_room()
    first, second = servers
    token = mint(room["id"], "patient")
    on_first = ChatClient(first.url, token)
    on_second = ChatClient(second.url, token)
    bystander = ChatClient(second.url, mint(room["id"], "clinician"))
    try:
        for client in (on_first, on_second, bystander):
            client.expect("presence.state")
        tokens.revoke_identity(db.session.get(Room, room["id"]), "patient")
        db.session.commit()
        sender = create_app(
            {
                **app.config,
                "REDIS_URL": servers[0].env["REDIS_URL"],
                "REALTIME_CHANNEL_PREFIX": servers[0].env["REALTIME_CHANNEL_PREFIX"],
            }
        )
        with sender.app_context():
            participant_removed.send(room["id"], identity="patient")
        assert on_first.close_code(timeout=0.9) == 4401  # the signal, not the periodic check
        assert on_second.close_code(timeout=0.9) == 4401
        assert ChatClient(first.url, token).close_code() == 4401
        bystander.send("ping", ref="still-here")
        assert bystander.expect("pong", skip=("presence.joined", "presence.left"))["ref"] == "still-here"
    finally:
        for client in (on_first, on_second, bystander):
            client.close()

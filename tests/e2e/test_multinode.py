"""Switchboard past one machine: two web processes, two job workers, two LiveKit nodes.

Everything real and on loopback: PostgreSQL (the test database), a private redis-server shared
by the two livekit-server nodes (a LiveKit cluster) and by the two Switchboard web processes
(chat fan-out), two `flask worker` processes, a webhook receiver process.

How LiveKit routes a room across nodes (livekit-server v1.13.5, pkg/service/rtcservice.go
`startConnection` and pkg/routing/redisrouter.go): the first connection selects one node for
the room (`room_node_map` in Redis) and the room lives there. A client that connects its
WebSocket to another node is not redirected: that node relays the signalling to the room's
node over Redis (psrpc), and the room's node answers with its own ICE candidates, so media
flows to the room's node. The test asserts what can be seen from outside: one node hosts the
room, each participant reached it through its own node's URL, both see each other's video,
and both nodes' RoomService report both participants.
"""

import threading
import time
import uuid

import pytest
import redis
import requests
import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from switchboard import create_app
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.models import Event, Job
from tests.e2e.conftest import Workers
from tests.e2e.livekit.conftest import IDENTITY_HASH_KEY
from tests.support.bots import BotProcess
from tests.support.chatclient import ChatClient
from tests.support.servers import AppServer, LiveKitServer, RedisServer, free_port
from tests.support.webhook_receiver import wait_for

pytestmark = pytest.mark.slow

RECONCILE_EVERY = 2


def node_region(serialized: bytes) -> str:
    """The `region` of a livekit.Node (livekit_internal.proto: id = 1, region = 7), as each
    node registers itself in the cluster's Redis (the Python SDK does not ship that message)."""
    global _Node
    if _Node is None:
        proto = descriptor_pb2.FileDescriptorProto(name="multinode_node.proto", package="multinode")
        node = proto.message_type.add(name="Node")
        for name, number in (("id", 1), ("region", 7)):
            node.field.add(name=name, number=number, type=9, label=1)  # optional string
        pool = descriptor_pool.DescriptorPool()
        pool.Add(proto)
        _Node = message_factory.GetMessageClass(pool.FindMessageTypeByName("multinode.Node"))
    message = _Node()
    message.ParseFromString(serialized)
    return message.region


_Node = None


class Cluster:
    def __init__(self, database_url: str, log_dir):
        self.redis = RedisServer()
        self.web_ports = [free_port(), free_port()]
        self.nodes = [
            LiveKitServer(
                webhook_urls=[f"http://127.0.0.1:{port}/livekit/webhook"],
                redis_address=self.redis.address,
                region=f"node-{n}",
            )
            for n, port in enumerate(self.web_ports)
        ]
        self.database_url = database_url
        self.web: list[AppServer] = []
        # The cluster's own settings only (no test speed-ups beyond those it names).
        self.workers = Workers(database_url, log_dir, defaults={})

    def env(self, node: LiveKitServer) -> dict:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": "e2e-test-secret",
            "LIVEKIT_URL": node.ws_url,
            "LIVEKIT_API_KEY": node.api_key,
            "LIVEKIT_API_SECRET": node.api_secret,
            "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
            "API_RATE_LIMIT": "100000 per second",
            "CHAT_RATE_PER_SECOND": "100000",
            "CHAT_RATE_BURST": "100000",
            "LOG_LEVEL": "INFO",
        }

    def start(self) -> "Cluster":
        self.redis.start()
        for node in self.nodes:
            node.start()
        for node, port in zip(self.nodes, self.web_ports, strict=True):
            self.web.append(AppServer(env=self.env(node), port=port).start())
        for node in self.nodes:
            self.workers.start(
                **self.env(node),
                WORKER_POLL_SECONDS="0.1",
                WORKER_CONCURRENCY="4",
                WEBHOOK_BACKOFF_BASE_SECONDS="0.3",
                RECONCILE_EVERY_SECONDS=str(RECONCILE_EVERY),
            )
        for process in self.workers.processes:
            wait_for(lambda p=process: "job worker started" in self.workers.log(p), message="workers polling")
        return self

    def stop(self) -> None:
        self.workers.stop_all()
        for server in self.web:
            server.stop()
        for node in self.nodes:
            node.stop()
            node.cleanup()
        self.redis.stop()


@pytest.fixture(scope="module")
def cluster_database(postgres_admin_url):
    """A database of the cluster's own: its workers run all along, so the suite's
    between-tests truncation (which would race them for table locks) is not used here."""
    name = "switchboard_multinode_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    migrate_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with migrate_app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(scope="module")
def cluster(cluster_database, tmp_path_factory):
    running = Cluster(cluster_database, tmp_path_factory.mktemp("multinode"))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def app(cluster, cluster_database):
    """The app in-process on the cluster's database (to mint keys and read tables)."""
    node = cluster.nodes[0]
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": cluster_database,
            "TESTING": True,
            "LIVEKIT_URL": node.ws_url,
            "LIVEKIT_API_URL": node.http_url,
            "LIVEKIT_API_KEY": node.api_key,
            "LIVEKIT_API_SECRET": node.api_secret,
            "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
            "LIVEKIT_TIMEOUT": 5.0,
        }
    )
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


class Http:
    """The JSON API of one web process, with the test project's key."""

    def __init__(self, server: AppServer, key: str):
        self.base = server.url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict) -> dict:
        response = requests.post(self.base + path, json=body, headers=self.headers, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()["data"]

    def get(self, path: str) -> list | dict:
        response = requests.get(self.base + path, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def delete(self, path: str) -> None:
        assert requests.delete(self.base + path, headers=self.headers, timeout=10).ok


@pytest.fixture
def webs(cluster, api):
    return [Http(server, api.key) for server in cluster.web]


def live_identities(api_url: str, room_id: str) -> set[str]:
    """The room's participants as one node's RoomService reports them."""
    previous = current_app.config["LIVEKIT_API_URL"]
    current_app.config["LIVEKIT_API_URL"] = api_url
    try:
        return {p.identity for p in livekit.list_participants(room_id)}
    finally:
        current_app.config["LIVEKIT_API_URL"] = previous


def test_a_participant_on_each_node_sees_the_others_video(cluster, webs):
    room = webs[0].post("/rooms", {"room": {"name": "Across nodes", "capabilities": ["video", "chat"]}})
    doctor = webs[0].post(f"/rooms/{room['id']}/tokens", {"identity": "doctor", "role": "host"})
    patient = webs[1].post(f"/rooms/{room['id']}/tokens", {"identity": "patient"})
    # Each web process hands out the URL of its own LiveKit node.
    assert doctor["url"] == cluster.nodes[0].ws_url
    assert patient["url"] == cluster.nodes[1].ws_url

    with BotProcess() as on_a, BotProcess() as on_b:
        assert on_a.connect(doctor["url"], doctor["token"])["event"] == "connected"
        assert on_b.connect(patient["url"], patient["token"])["event"] == "connected"
        assert on_a.publish_video()["event"] == "published"
        assert on_b.publish_video()["event"] == "published"
        on_a.send("watch_video", identity="patient", timeout=20)
        on_b.send("watch_video", identity="doctor", timeout=20)
        seen_by_a = on_a.wait_for("video", timeout=25)
        seen_by_b = on_b.wait_for("video", timeout=25)
        assert seen_by_a == {"event": "video", "from": "patient", "width": 64, "height": 48}
        assert seen_by_b == {"event": "video", "from": "doctor", "width": 64, "height": 48}

        # The room lives on exactly one node of the cluster ...
        store = redis.Redis.from_url(cluster.redis.url)
        node_id = store.hget("room_node_map", room["id"])
        assert node_id is not None
        nodes = {key.decode(): node_region(value) for key, value in store.hgetall("nodes").items()}
        assert sorted(nodes.values()) == ["node-0", "node-1"]
        assert nodes[node_id.decode()] in {"node-0", "node-1"}
        # ... and both nodes' RoomService see both participants in it (relayed, not split).
        for node in cluster.nodes:
            assert live_identities(node.http_url, room["id"]) == {"doctor", "patient"}

        # The hosting node's webhooks reached Switchboard: either process shows the roster.
        def roster(web: Http):
            people = web.get(f"/rooms/{room['id']}/participants")
            return {(p["identity"], p["state"], len(p["tracks"])) for p in people}

        for web in webs:
            wait_for(
                lambda w=web: roster(w) == {("doctor", "active", 1), ("patient", "active", 1)},
                message="both participants and their cameras in the roster",
            )


def _read(client: ChatClient, count: int, out: list, errors: list) -> None:
    try:
        out.extend(client.messages(count, timeout=60))
    except Exception as exc:  # reported by the test thread
        errors.append(repr(exc))


def test_chat_members_on_different_processes_see_one_order(cluster, webs):
    room = webs[0].post("/rooms", {"room": {"name": "Chat", "capabilities": ["chat"]}})
    clients = []
    try:
        for n, (web, server) in enumerate([(w, s) for w, s in zip(webs, cluster.web, strict=True)] * 2):
            token = web.post(f"/rooms/{room['id']}/tokens", {"identity": f"member-{n}"})["token"]
            client = ChatClient(server.url, token)
            client.expect("presence.state")
            clients.append(client)
        per_sender, total = 40, 40 * len(clients)
        received: list[list] = [[] for _ in clients]
        errors: list[str] = []
        readers = [
            threading.Thread(target=_read, args=(c, total, received[i], errors))
            for i, c in enumerate(clients)
        ]
        for thread in readers:
            thread.start()

        def send_all(client: ChatClient, n: int) -> None:
            for i in range(per_sender):
                client.send("chat.message", {"body": f"m{n} {i}"})

        writers = [threading.Thread(target=send_all, args=(c, n)) for n, c in enumerate(clients)]
        for thread in writers:
            thread.start()
        for thread in writers + readers:
            thread.join(90)
        assert not errors, errors[:3]
        reference = [(m["seq"], m["id"], m["from"], m["body"]) for m in received[0]]
        assert [seq for seq, *_ in reference] == list(range(1, total + 1))
        for other in received[1:]:
            assert [(m["seq"], m["id"], m["from"], m["body"]) for m in other] == reference
        history = webs[1].get(f"/rooms/{room['id']}/messages?limit=100&after_seq={total - 10}")
        assert [(m["seq"], m["id"]) for m in history] == [(s, i) for s, i, *_ in reference[-10:]]
    finally:
        for client in clients:
            client.close()


def test_every_webhook_is_delivered_exactly_once_per_event_id(cluster, webs, api, receiver):
    hooks = receiver()
    endpoint = webs[1].post("/webhook_endpoints", {"url": hooks.url("/slow?s=0.05"), "events": ["*"]})
    rooms = [
        web.post("/rooms", {"room": {"name": f"Hooks {n}", "capabilities": ["chat"]}})
        for n, web in enumerate(webs * 4)
    ]
    for n, (room, server) in enumerate(zip(rooms, cluster.web * 4, strict=True)):
        token = webs[n % 2].post(f"/rooms/{room['id']}/tokens", {"identity": f"writer-{n}"})["token"]
        client = ChatClient(server.url, token)
        try:
            client.expect("presence.state")
            for i in range(3):
                client.send("chat.message", {"body": f"hello {i}"}, ref=i)
            client.messages(3)
        finally:
            client.close()
        webs[(n + 1) % 2].delete(f"/rooms/{room['id']}")

    ids = {room["id"] for room in rooms}
    events = db.session.scalars(db.select(Event)).all()
    expected = {event.id for event in events if event.data.get("room_id") in ids}
    assert len(expected) == len(rooms) * 5  # room.created, 3 × message.created, room.closed
    wait_for(lambda: set(hooks.event_ids()) >= expected, timeout=30, message="every event delivered")
    time.sleep(1.0)  # a second delivery of anything would arrive by now
    received = hooks.event_ids()
    assert len(received) == len(set(received))  # none twice (events of earlier tests included)
    db.session.expire_all()
    assert set(received) <= set(db.session.scalars(db.select(Event.id)))
    listed = webs[0].get(f"/webhook_endpoints/{endpoint['id']}/deliveries?limit=100")
    mine = [d for d in listed if d["event_id"] in expected]
    assert len(mine) == len(expected)
    assert all(d["status"] == "succeeded" and d["attempt_count"] == 1 for d in mine)
    # Both worker processes took part (each logs the deliveries it made).
    assert all("webhook delivery" in cluster.workers.log(p) for p in cluster.workers.processes)


def test_reconciliation_runs_once_per_period(cluster, app):
    def periodic_jobs() -> list[Job]:
        db.session.expire_all()
        query = db.select(Job).where(Job.kind == "livekit.reconcile", Job.unique_key.is_not(None))
        return list(db.session.scalars(query))

    def three_done():
        jobs = periodic_jobs()
        return len([j for j in jobs if j.status == "done"]) >= 3 and jobs

    jobs = wait_for(three_done, timeout=RECONCILE_EVERY * 6, message="three periods of reconciliation")
    slots = sorted(int(job.unique_key.split("@")[1]) for job in jobs)
    # One job per period, no period skipped, although both workers schedule every period.
    assert slots == list(range(slots[0], slots[0] + len(slots)))
    done = [job for job in jobs if job.status == "done"]
    assert all(job.attempts == 1 for job in done)
    for process in cluster.workers.processes:
        assert process.poll() is None, cluster.workers.log(process)

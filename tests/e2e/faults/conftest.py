"""Faults in the middle of work: private servers (PostgreSQL, Redis) that the tests stop,
restart or starve, Switchboard under gunicorn talking to them, and a traffic generator that
records every answer. The shared PostgreSQL (5432) and Redis (6379) are never touched."""

import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from switchboard import create_app
from switchboard.extensions import db
from tests.support.chatclient import ChatClient
from tests.support.postgres import PostgresServer

SECRET = "faults-test-secret"


@pytest.fixture(scope="package")
def postgres():
    """A private PostgreSQL cluster for the package's tests (one start, several databases)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="package")
def database(postgres) -> tuple[str, str]:
    """(url, API key): one migrated database on the private cluster for the package."""
    url = postgres.database("faults")
    return url, prepare_database(url)


def start_all(*servers) -> None:
    """Start servers side by side (a gunicorn takes seconds to boot on a busy machine)."""
    threads = [threading.Thread(target=server.start) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for server in servers:
        assert server.proc is not None and server.proc.poll() is None, server.log()[-2000:]


def prepare_database(url: str) -> str:
    """Migrate the database at `url` and return a new API key of project `acme`."""
    from flask_migrate import upgrade

    from switchboard.services import projects

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        key = projects.create_key(projects.get_or_create_project("acme"))[1]
        db.session.commit()
        db.engine.dispose()
    return key


def scalar(url: str, sql: str, **params):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(url: str, sql: str, **params) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


class Http:
    """The JSON API of a running server, with a project's key; every answer is recorded."""

    def __init__(self, base_url: str, key: str, timeout: float = 10.0):
        self.base = base_url + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"
        self.timeout = timeout

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=self.timeout, **kw)

    def create_room(self, **fields) -> dict:
        room = {"name": "Fault drill", "capabilities": ["video", "chat"], **fields}
        response = self.call("POST", "/rooms", json={"room": room})
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def mint(self, room_id: str, identity: str, **body) -> dict:
        response = self.call("POST", f"/rooms/{room_id}/tokens", json={"identity": identity, **body})
        assert response.status_code == 201, response.text
        return response.json()["data"]


def assert_unavailable(response: requests.Response, code: str | None = None) -> dict:
    """A 503 in the error envelope with Retry-After, never a stack trace."""
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == "unavailable" and error["message"]
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert response.headers.get("Retry-After")
    if code is not None:
        assert error["code"] == code, error
    return error


class Answer:
    __slots__ = ("at", "status", "seconds", "body")

    def __init__(self, at, status, seconds, body):
        self.at, self.status, self.seconds, self.body = at, status, seconds, body


class RoomWriter(threading.Thread):
    """Creates rooms one after another, each under its own Idempotency-Key, retrying a key
    until it succeeds (as a careful client does); records every answer."""

    def __init__(self, http: Http, prefix: str):
        super().__init__(daemon=True)
        self.http = http
        self.prefix = prefix
        self.answers: list[Answer] = []
        self.created: dict[str, str] = {}  # idempotency key -> room id
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            key = f"{self.prefix}-{n}-{uuid.uuid4().hex[:6]}"
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    response = self.http.call(
                        "POST",
                        "/rooms",
                        json={"room": {"name": key, "capabilities": ["chat"]}},
                        headers={"Idempotency-Key": key},
                    )
                except requests.RequestException as exc:  # a hang or a dropped connection
                    self.answers.append(Answer(started, None, time.monotonic() - started, repr(exc)))
                    continue
                self.answers.append(
                    Answer(started, response.status_code, time.monotonic() - started, response)
                )
                if response.status_code == 201:
                    self.created[key] = response.json()["data"]["id"]
                    break
                time.sleep(0.1)
            n += 1
            time.sleep(0.05)

    def stop(self) -> None:
        self.stopping.set()
        self.join(15)


class ChatSender(threading.Thread):
    """Sends chat messages one at a time and waits for each one's ack or error; a message
    that got an error (or no answer) is sent again as a new message (its body says which
    try); a dropped socket is reopened. The protocol has no client-side message id, so each
    try has its own body: every body the server stored must appear once, acked or not."""

    def __init__(self, base_url: str, token: str, prefix: str):
        super().__init__(daemon=True)
        self.base_url = base_url
        self.token = token
        self.prefix = prefix
        self.acked: dict[str, dict] = {}  # body -> ack data
        self.sent: list[str] = []
        self.errors: list[dict] = []
        self.reconnects = 0
        self.failures: list[str] = []
        self.slowest = 0.0
        self.stopping = threading.Event()
        self.client: ChatClient | None = None

    def _connect(self) -> None:
        while not self.stopping.is_set():
            try:
                self.client = ChatClient(self.base_url, self.token, timeout=5)
                return
            except Exception as exc:  # noqa: BLE001  (the server refuses while its database is down)
                self.failures.append("connect: " + repr(exc))
                self.reconnects += 1
                time.sleep(0.2)

    def _send(self, body: str, ref: str) -> dict | None:
        started = time.monotonic()
        self.client.send("chat.message", {"body": body}, ref=ref)
        while True:
            frame = self.client.recv(timeout=10)
            # A rate-limited frame is refused before it is parsed: its error carries no ref.
            if frame["event"] in ("ack", "error") and frame.get("ref") in (ref, None):
                self.slowest = max(self.slowest, time.monotonic() - started)
                return frame

    def run(self) -> None:
        self._connect()
        n = tries = 0
        while not self.stopping.is_set():
            tries += 1
            body = f"{self.prefix} message {n} try {tries}"
            ref = f"r{n}-{tries}"
            self.sent.append(body)
            try:
                frame = self._send(body, ref)
            except Exception as exc:  # noqa: BLE001  (closed, reset, timed out)
                self.failures.append(f"{body}: {exc!r}")
                self.client.close()
                self.reconnects += 1
                self._connect()
                continue  # not acked: send it again
            if frame["event"] == "ack":
                self.acked[body] = frame["data"]
                n += 1
                tries = 0
            else:
                self.errors.append(frame["data"])
                time.sleep(0.1)
            time.sleep(0.1)  # under the socket's 10 frames a second

    def stop(self) -> None:
        self.stopping.set()
        self.join(15)
        if self.client:
            self.client.close()

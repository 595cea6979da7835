"""PHI never leaks: every flow driven with recognisable names, identities, metadata and chat
bodies, then every log line (web, worker), the audit log, job payloads and webhook delivery
records searched for them in clear. LiveKit's own log, at its default level, is read too:
room names handed to LiveKit are opaque ids, so no room name, metadata or chat body may be
there (identities are: LiveKit logs who joins; see the README)."""

import pytest
import requests
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.models import AuditEntry, Job, WebhookAttempt, WebhookDelivery
from tests.e2e.livekit.conftest import IDENTITY_HASH_KEY, wait_until
from tests.support.bots import BotProcess
from tests.support.chatclient import ChatClient
from tests.support.servers import AppServer, LiveKitServer, free_port

pytestmark = pytest.mark.slow

ROOM_NAME = "Visit of Jane Phidoe-Quartz"
IDENTITY = "patient-phi-7731"
NAME = "Jane Phidoe-Quartz"
METADATA = {"diagnosis": "phimarker-acute-sinusitis", "mrn": "phimarker-MRN-5521"}
TOKEN_METADATA = {"dob": "phimarker-1961-02-03"}
CHAT_BODY = "phimarker my chest hurts since Tuesday"
DENY_MESSAGE = "phimarker please rebook"
IN_CLEAR = [IDENTITY, NAME, "Phidoe", "phimarker", ROOM_NAME]


@pytest.fixture(scope="module")
def phi_stack(database_urls):
    app_port = free_port()
    livekit = LiveKitServer(webhook_urls=[f"http://127.0.0.1:{app_port}/livekit/webhook"], log_level="info")
    livekit.start()
    env = {
        "DATABASE_URL": database_urls("postgresql"),
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
        "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
        "LOG_LEVEL": "DEBUG",
        "REDIS_URL": "",
    }
    web = AppServer(env=env, port=app_port).start()
    yield livekit, web
    web.stop()
    livekit.stop()
    livekit.cleanup()


@pytest.fixture
def app_config(phi_stack):
    livekit, _web = phi_stack
    return {
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_URL": livekit.http_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
        "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
    }


class Http:
    """The API over real HTTP, so every request is logged by the real web server."""

    def __init__(self, base_url: str, key: str):
        self.base = base_url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, json=None) -> requests.Response:
        return requests.request(method, self.base + path, json=json, headers=self.headers, timeout=10)

    def data(self, method: str, path: str, json=None):
        response = self.call(method, path, json)
        assert response.status_code in (200, 201), (path, response.text[:300])
        return response.json()["data"]


def hits(text: str) -> list[str]:
    return [marker for marker in IN_CLEAR if marker.lower() in text.lower()]


def test_every_flow_with_phi_leaves_none_in_logs_audit_jobs_or_deliveries(api, phi_stack, workers, receiver):
    livekit, web = phi_stack
    http = Http(web.url, api.key)
    worker = workers.start(
        LOG_LEVEL="DEBUG",
        LIVEKIT_URL=livekit.ws_url,
        LIVEKIT_API_URL=livekit.http_url,
        LIVEKIT_API_KEY=livekit.api_key,
        LIVEKIT_API_SECRET=livekit.api_secret,
        IDENTITY_HASH_KEY=IDENTITY_HASH_KEY,
    )
    hooks = receiver()
    http.data("POST", "/webhook_endpoints", {"url": hooks.url(), "events": ["*"]})

    room = http.data(
        "POST",
        "/rooms",
        {"room": {"name": ROOM_NAME, "capabilities": ["video", "chat"], "metadata": METADATA}},
    )
    http.data(
        "PATCH", f"/rooms/{room['id']}", {"room": {"metadata": {**METADATA, "note": "phimarker update"}}}
    )
    token = http.data(
        "POST",
        f"/rooms/{room['id']}/tokens",
        {"identity": IDENTITY, "name": NAME, "metadata": TOKEN_METADATA, "role": "host"},
    )
    with BotProcess() as bot:
        assert bot.connect(token["url"], token["token"])["event"] == "connected"
        assert bot.publish_video()["event"] == "published"
        chat = ChatClient(web.url, token["token"])
        chat.expect("presence.state")
        chat.send("chat.message", {"body": CHAT_BODY}, ref="1")
        chat.expect("ack", skip=("presence.joined", "presence.left", "typing", "message.created"))
        wait_until(lambda: http.data("GET", f"/rooms/{room['id']}/participants"))
        http.data("GET", f"/rooms/{room['id']}/messages")
        http.data("GET", f"/rooms/{room['id']}/sessions")
        http.data("DELETE", f"/rooms/{room['id']}/participants/{IDENTITY}")
        bot.wait_for("disconnected", timeout=10)
        chat.close()

    waiting_room = http.data(
        "POST",
        "/rooms",
        {"room": {"name": ROOM_NAME, "capabilities": ["video", "chat"], "waiting_room": True}},
    )
    waiter = http.data(
        "POST", f"/rooms/{waiting_room['id']}/tokens", {"identity": IDENTITY, "name": NAME, "role": "patient"}
    )
    with BotProcess() as bot:
        bot.connect(waiter["url"], waiter["token"])
        wait_until(lambda: http.data("GET", f"/rooms/{waiting_room['id']}/waiting"))
        http.data("POST", f"/rooms/{waiting_room['id']}/waiting/{IDENTITY}/deny", {"message": DENY_MESSAGE})
    assert (
        http.call("POST", "/rooms", {"room": {"name": ROOM_NAME, "metadata": {"x": "phimarker"}}}).status_code
        == 422
    )
    http.data("DELETE", f"/rooms/{room['id']}")
    http.data("POST", f"/rooms/{room['id']}/purge")
    wait_until(lambda: len(hooks.requests()) >= 8, timeout=20)  # the worker delivered them

    worker_log = workers.log(worker)
    assert "webhook delivery" in worker_log  # the worker did log its work (DEBUG), just not PHI
    web_log = web.log()
    assert f"/rooms/{room['id']}/participants/[redacted]" in web_log  # it logged the removal, redacted
    assert hits(web_log) == [], [line for line in web_log.splitlines() if hits(line)][:5]
    assert hits(worker_log) == [], [line for line in worker_log.splitlines() if hits(line)][:5]

    db.session.expire_all()
    stored = []
    for row in db.session.scalars(sa.select(AuditEntry)):
        stored.append(" ".join(str(v) for v in (row.action, row.actor, row.identity_hash, row.detail)))
    for job in db.session.scalars(sa.select(Job)):
        stored.append(f"{job.kind} {job.payload} {job.last_error}")
    for delivery in db.session.scalars(sa.select(WebhookDelivery)):
        stored.append(f"{delivery.event_type} {delivery.last_error}")
    for attempt in db.session.scalars(sa.select(WebhookAttempt)):
        stored.append(f"{attempt.error}")
    assert len(stored) > 20
    assert [s for s in stored if hits(s)] == []

    # LiveKit's log at its default level: never a room name, metadata, chat body or deny message.
    livekit_log = livekit.log()
    assert room["id"] in livekit_log  # it does log rooms, by our opaque id
    assert [m for m in ("phimarker", ROOM_NAME, "Phidoe") if m.lower() in livekit_log.lower()] == []

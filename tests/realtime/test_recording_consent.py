"""Recording consent over the chat socket of a real gunicorn + gevent server: who is asked,
answers, double answers, strangers, reconnecting pages, the outcome sent to the room."""

import uuid

import jwt
import pytest
import requests

from switchboard.extensions import db
from switchboard.livekit.tokens import ATTR_ROLE, ATTR_TOKEN_ID
from switchboard.models import AuditEntry, Job
from switchboard.plumbing.identities import hash_identity
from tests.support.livekit_signing import event_body, sign
from tests.support.recording import MotoServer

pytestmark = pytest.mark.slow

ROOM = {"capabilities": ["video", "audio", "chat", "recording"], "recording_consent": "required"}


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="module")
def server_env():
    return {"RECORDING_SECRETS_KEY": "realtime-consent-key"}


class Http:
    """The API of the server under test (so its signals reach its own sockets)."""

    def __init__(self, server, key):
        self.base = server.url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path, body=None):
        return requests.post(self.base + path, json=body or {}, headers=self.headers, timeout=30)

    def get(self, path):
        return requests.get(self.base + path, headers=self.headers, timeout=30)

    def put(self, path, body):
        return requests.put(self.base + path, json=body, headers=self.headers, timeout=30)


@pytest.fixture
def http(server, api, moto):
    client = Http(server, api.key)
    name = "rtc-" + uuid.uuid4().hex[:12]
    response = client.put("/recording_settings", moto.settings(name, moto.make_bucket(name)))
    assert response.status_code == 200, response.text
    return client


def livekit_join(app, server, room_id: str, token: str) -> None:
    """LiveKit's `participant_joined` for the token's holder, delivered to the server."""
    claims = jwt.decode(token, options={"verify_signature": False})
    token_id, role = claims["attributes"][ATTR_TOKEN_ID], claims["attributes"][ATTR_ROLE]
    body = event_body(
        "participant_joined",
        room_id,
        identity=claims["sub"],
        sid="PA_" + claims["sub"],
        token_id=token_id,
        role=role,
    )
    auth = sign(body, app.config["LIVEKIT_API_KEY"], app.config["LIVEKIT_API_SECRET"])
    response = requests.post(
        server.url + "/livekit/webhook",
        data=body,
        headers={"Content-Type": "application/webhook+json", "Authorization": auth},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def member(connect, token):
    client = connect(token)
    client.expect("presence.state")
    return client


def request_recording(http, room_id) -> str:
    response = http.post(f"/rooms/{room_id}/recordings")
    assert response.status_code == 201, response.text
    rec = response.json()["data"]
    assert rec["status"] == "awaiting_consent"
    return rec["id"]


def answer(client, recording_id, accept, ref):
    client.send("recording.consent", {"recording_id": recording_id, "accept": accept}, ref=ref)
    return client.expect_any(("ack", "error"))


def last_answer(client, recording_id, accept, ref) -> dict:
    """The answer that settles the recording: its `ack` and the room's `recording.consent_closed`
    arrive in either order. Returns the latter's data."""
    client.send("recording.consent", {"recording_id": recording_id, "accept": accept}, ref=ref)
    frames = {}
    for _ in range(2):
        frame = client.expect_any(("ack", "recording.consent_closed"))
        frames[frame["event"]] = frame["data"]
    assert frames["ack"] == {"ref": ref}
    return frames["recording.consent_closed"]


def test_everyone_connected_is_asked_once_and_a_decline_fails_it_for_the_whole_room(
    app, server, http, api, mint, connect
):
    room = api.create_room(**ROOM)
    host_token, patient_token = mint(room["id"], "dr-1", role="host"), mint(room["id"], "pat-1")
    livekit_join(app, server, room["id"], host_token)
    host, patient = member(connect, host_token), member(connect, patient_token)
    rec_id = request_recording(http, room["id"])
    for client in (host, patient):
        assert client.expect("recording.consent_requested")["data"] == {"recording_id": rec_id}

    # Someone who arrives afterwards was not asked and may not answer.
    late = member(connect, mint(room["id"], "late-1"))
    refused = answer(late, rec_id, True, "s1")
    assert refused["event"] == "error" and refused["data"]["code"] == "not_asked"

    accepted = answer(patient, rec_id, True, "p1")
    assert accepted == {"event": "ack", "data": {"ref": "p1"}, "ref": "p1"}
    twice = answer(patient, rec_id, False, "p2")
    assert twice["event"] == "error" and twice["data"]["code"] == "already_answered"
    ledger = {row["identity"]: row for row in http.get(f"/recordings/{rec_id}/consents").json()["data"]}
    assert ledger["pat-1"]["accepted"] is True and ledger["pat-1"]["at"].endswith("Z")
    assert ledger["dr-1"] == {"identity": "dr-1", "accepted": None, "at": None}
    assert "late-1" not in ledger

    assert last_answer(host, rec_id, False, "h1") == {"recording_id": rec_id, "outcome": "consent_declined"}
    for client in (patient, late):
        closed = client.expect("recording.consent_closed")
        assert closed["data"] == {"recording_id": rec_id, "outcome": "consent_declined"}
    rec = http.get(f"/recordings/{rec_id}").json()["data"]
    assert rec["status"] == "failed" and rec["error"]["code"] == "consent_declined"
    ledger = {
        row["identity"]: row["accepted"] for row in http.get(f"/recordings/{rec_id}/consents").json()["data"]
    }
    assert ledger == {"pat-1": True, "dr-1": False}

    db.session.expire_all()
    entries = list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.room_id == room["id"])))
    by_action = {entry.action: entry for entry in entries}
    assert by_action["recording.consent_given"].identity_hash == hash_identity("pat-1")
    assert by_action["recording.consent_declined"].identity_hash == hash_identity("dr-1")
    assert all("pat-1" not in str(entry.detail) and "dr-1" not in str(entry.detail) for entry in entries)
    # Answering a recording that no longer waits (a second person declining too late).
    late_answer = answer(host, rec_id, True, "h2")
    assert late_answer["event"] == "error" and late_answer["data"]["code"] == "already_answered"


def test_a_page_that_reconnects_is_asked_again_until_it_answered(app, server, http, api, mint, connect):
    room = api.create_room(**ROOM)
    token = mint(room["id"], "pat-2")
    livekit_join(app, server, room["id"], token)
    first = member(connect, token)
    rec_id = request_recording(http, room["id"])
    assert first.expect("recording.consent_requested")["data"]["recording_id"] == rec_id
    first.close()

    again = connect(token)
    again.expect("presence.state")
    assert again.expect("recording.consent_requested")["data"] == {"recording_id": rec_id}
    # The only person asked accepts: the recording goes to egress through the job table.
    assert last_answer(again, rec_id, True, "a1") == {"recording_id": rec_id, "outcome": "accepted"}
    assert http.get(f"/recordings/{rec_id}").json()["data"]["status"] in ("starting", "recording", "failed")
    db.session.expire_all()
    started = db.session.scalar(db.select(Job).where(Job.kind == "recordings.start"))
    assert started.payload == {"recording_id": rec_id}
    again.close()

    third = connect(token)
    third.expect("presence.state")
    third.send("ping", ref="x")
    assert third.expect("pong")["ref"] == "x"  # nothing asked before the pong


def test_bad_consent_frames_are_refused_and_the_socket_stays_open(server, api, mint, connect):
    room = api.create_room(**ROOM)
    client = member(connect, mint(room["id"], "pat-3"))
    client.send("recording.consent", {"recording_id": "nope", "accept": True}, ref=1)
    assert client.expect("error")["data"]["code"] == "invalid_field"
    client.send("recording.consent", {"recording_id": "rec_abc", "accept": "yes"}, ref=2)
    assert client.expect("error")["data"]["code"] == "invalid_field"
    client.send("recording.consent", {"recording_id": "rec_abc", "accept": True, "extra": 1}, ref=3)
    assert client.expect("error")["data"]["code"] == "invalid_field"
    client.send("recording.consent", {"recording_id": "rec_doesnotexist", "accept": True}, ref=4)
    assert client.expect("error")["data"]["code"] == "not_found"
    client.send("ping", ref=5)
    assert client.expect("pong")["ref"] == 5

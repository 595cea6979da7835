"""Recording consent end to end: real LiveKit + Egress + Chromium, moto's S3/KMS, Switchboard
under gunicorn with its job worker, people answering over the chat socket or on the meeting
page. Whether egress was started is asked of LiveKit itself (ListEgress). PostgreSQL only."""

import os
import time

import pytest
import requests

from switchboard.extensions import db
from switchboard.livekit import egress
from switchboard.models import Recording
from switchboard.plumbing import audit
from tests.e2e.livekit.conftest import wait_until
from tests.e2e.livekit.test_recordings import configured, join  # noqa: F401  (configured: bucket + worker fixture)
from tests.meet.conftest import browser, page_factory  # noqa: F401  (headless Chromium fixtures)
from tests.support.bots import BotProcess
from tests.support.chatclient import ChatClient

pytestmark = pytest.mark.slow

TIMEOUT_SECONDS = 6
ROOM = {"capabilities": ["video", "chat", "recording"], "recording_consent": "required"}
SHOTS = os.environ.get("SCREENSHOT_DIR") or "/tmp"


@pytest.fixture(scope="module")
def recording_stack(database_urls):
    """The recording stack with a consent timeout short enough to wait for."""
    from tests.e2e.livekit.recording_stack import RecordingStack

    running = RecordingStack(
        database_urls("postgresql"), env={"RECORDING_CONSENT_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS)}
    )
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


class Web:
    """The API of the stack's gunicorn server, so its signals reach the sockets it holds."""

    def __init__(self, stack, key):
        self.base = stack.web.url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path, body=None):
        return requests.post(self.base + path, json=body or {}, headers=self.headers, timeout=60)

    def get(self, path):
        return requests.get(self.base + path, headers=self.headers, timeout=30).json()["data"]


@pytest.fixture
def web(api, configured):  # noqa: F811  (the fixture imported above)
    return Web(configured, api.key)


def call_with_host(api, bot, stack):
    """A consent room whose host publishes video (LiveKit) and holds a chat socket."""
    room = api.create_room(**ROOM)
    token = api.mint(room["id"], "clinician-1", name="Dr Who", role="host")
    assert bot.connect(token["url"], token["token"])["event"] == "connected"
    assert bot.publish_video()["event"] == "published"
    wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active", 15)
    host = ChatClient(stack.web.url, token["token"])
    host.expect("presence.state")
    return room, host


def member(stack, api, room, identity):
    client = ChatClient(stack.web.url, api.mint(room["id"], identity)["token"])
    client.expect("presence.state")
    return client


def request_recording(web, room) -> str:
    response = web.post(f"/rooms/{room['id']}/recordings", {"layout": "grid"})
    assert response.status_code == 201, response.text
    rec = response.json()["data"]
    assert rec["status"] == "awaiting_consent"
    return rec["id"]


def consent(client, rec_id, accept):
    client.send("recording.consent", {"recording_id": rec_id, "accept": accept}, ref="c")
    return client.expect_any(("ack", "error", "recording.consent_closed"))


def egresses(room_id):
    return egress.list_room(room_id)


def test_a_declined_consent_fails_the_recording_and_no_egress_is_started(api, web, recording_stack):
    with BotProcess() as bot:
        room, host = call_with_host(api, bot, recording_stack)
        patient = member(recording_stack, api, room, "patient-1")
        try:
            rec_id = request_recording(web, room)
            for client in (host, patient):
                assert client.expect("recording.consent_requested")["data"] == {"recording_id": rec_id}
            assert consent(host, rec_id, True)["event"] == "ack"
            consent(patient, rec_id, False)
            closed = host.expect("recording.consent_closed")["data"]
            assert closed == {"recording_id": rec_id, "outcome": "consent_declined"}
            rec = web.get(f"/recordings/{rec_id}")
            assert rec["status"] == "failed" and rec["error"]["code"] == "consent_declined"
            time.sleep(2)  # give a wrongly started egress time to show up
            assert egresses(room["id"]) == []
            ledger = {row["identity"]: row["accepted"] for row in web.get(f"/recordings/{rec_id}/consents")}
            assert ledger == {"clinician-1": True, "patient-1": False}
        finally:
            host.close()
            patient.close()
    actions = [entry.action for entry in audit.list_for_room(room["id"])]
    assert "recording.consent_given" in actions and "recording.consent_declined" in actions
    assert "recording.started" not in actions


def test_when_everyone_accepts_egress_starts_and_records(api, web, recording_stack):
    with BotProcess() as bot:
        room, host = call_with_host(api, bot, recording_stack)
        patient = member(recording_stack, api, room, "patient-2")
        try:
            rec_id = request_recording(web, room)
            for client in (host, patient):
                client.expect("recording.consent_requested")
            assert egresses(room["id"]) == []  # nothing before consent
            t0 = time.monotonic()
            assert consent(host, rec_id, True)["event"] == "ack"
            consent(patient, rec_id, True)
            assert host.expect("recording.consent_closed")["data"]["outcome"] == "accepted"
            live = wait_until(
                lambda: (r := web.get(f"/recordings/{rec_id}"))["status"] in ("recording", "failed") and r, 60
            )
            assert live["status"] == "recording", live["error"]
            print(f"\nCONSENT FIGURES last answer -> recording: {time.monotonic() - t0:.2f} s")
            (running,) = egresses(room["id"])  # exactly one egress, the recording's
            db.session.expire_all()
            assert running.egress_id == db.session.get(Recording, rec_id).egress_id
            time.sleep(2)
            assert web.post(f"/recordings/{rec_id}/stop").status_code == 200
            done = wait_until(
                lambda: (r := web.get(f"/recordings/{rec_id}"))["status"] in ("completed", "failed") and r, 60
            )
            assert done["status"] == "completed", done
        finally:
            host.close()
            patient.close()


def test_unanswered_consent_times_out_without_egress(api, web, recording_stack):
    with BotProcess() as bot:
        room, host = call_with_host(api, bot, recording_stack)
        try:
            t0 = time.monotonic()
            rec_id = request_recording(web, room)
            host.expect("recording.consent_requested")
            # The timeout runs in the job worker (another process: without REDIS_URL its
            # `recording.consent_closed` reaches no socket here, so ask the API).
            rec = wait_until(
                lambda: (r := web.get(f"/recordings/{rec_id}"))["status"] != "awaiting_consent" and r,
                TIMEOUT_SECONDS + 15,
                interval=0.1,
            )
            waited = time.monotonic() - t0
            assert rec["status"] == "failed" and rec["error"]["code"] == "consent_timeout"
            assert TIMEOUT_SECONDS - 1 <= waited <= TIMEOUT_SECONDS + 5, waited
            print(f"\nCONSENT FIGURES timeout {TIMEOUT_SECONDS} s -> failed after {waited:.2f} s")
            assert egresses(room["id"]) == []
            late = consent(host, rec_id, True)
            assert late["event"] == "error" and late["data"]["code"] == "consent_closed"
        finally:
            host.close()


def test_the_meeting_page_asks_for_consent_and_tells_latecomers_before_they_enter(
    api,
    web,
    recording_stack,
    page_factory,  # noqa: F811
):
    room = api.create_room(**ROOM)
    base = recording_stack.web.url
    host = join(page_factory, base, api.mint(room["id"], "clinician", name="Dr Who", role="host"))
    patient = join(page_factory, base, api.mint(room["id"], "patient", name="Pat", role="patient"))
    wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active", 20)
    rec_id = request_recording(web, room)

    for page in (host, patient):
        page.wait_for_selector("#consent-dialog[open]", timeout=15000)
    assert "video and audio of everyone" in patient.inner_text("#consent-dialog")
    patient.screenshot(path=os.path.join(SHOTS, "consent-dialog.png"))
    patient.click("#consent-accept")
    patient.wait_for_function(
        "() => document.getElementById('consent-status').textContent.indexOf('Thank you') === 0"
    )
    ledger = {row["identity"]: row["accepted"] for row in web.get(f"/recordings/{rec_id}/consents")}
    assert ledger == {"clinician": None, "patient": True}
    host.click("#consent-accept")
    live = wait_until(
        lambda: (r := web.get(f"/recordings/{rec_id}"))["status"] in ("recording", "failed") and r, 60
    )
    assert live["status"] == "recording", live["error"]
    patient.wait_for_selector("#consent-dialog", state="hidden", timeout=10000)

    # Someone joining now is told on the pre-join screen that the visit is being recorded.
    late = page_factory()
    token = api.mint(room["id"], "relative", name="Sam")
    late.goto(base + token["join_url"][token["join_url"].index("/join/") :])
    late.wait_for_selector("#prejoin:not([hidden])")
    late.wait_for_selector("#recording-notice:not([hidden])", timeout=10000)
    assert "being recorded" in late.inner_text("#recording-notice")
    late.screenshot(path=os.path.join(SHOTS, "consent-prejoin.png"))
    assert web.post(f"/recordings/{rec_id}/stop").status_code == 200
    done = wait_until(
        lambda: (r := web.get(f"/recordings/{rec_id}"))["status"] in ("completed", "failed") and r, 60
    )
    assert done["status"] == "completed", done

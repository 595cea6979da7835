"""Recordings end to end: a headless publisher, real LiveKit + Egress + Chromium, moto's S3/KMS,
Switchboard under gunicorn with its worker. PostgreSQL only (API logic also runs on SQLite in
tests/api/test_recording_settings.py)."""

import io
import json
import signal
import time

import av
import psutil
import pytest
import requests

from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.livekit import egress
from switchboard.models import Recording
from switchboard.plumbing import audit
from switchboard.services import recordings
from tests.e2e.livekit.conftest import wait_until
from tests.meet.conftest import browser, page_factory  # noqa: F401  (headless Chromium fixtures)
from tests.support.bots import BotProcess

pytestmark = pytest.mark.slow

BUCKET = "clinic-recordings"
FIGURES: dict = {}


@pytest.fixture
def configured(api, recording_stack):
    moto = recording_stack.moto
    if BUCKET not in [b["Name"] for b in moto.s3().list_buckets()["Buckets"]]:
        recording_stack.kms_key = moto.make_bucket(BUCKET)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(BUCKET, recording_stack.kms_key, prefix="visits"),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200, response.get_json()
    recording_stack.start_worker()
    yield recording_stack
    recording_stack.stop_worker()
    settle(recording_stack)


def settle(stack) -> None:
    """Let LiveKit's last webhooks of a test (leaves, egress endings) reach the app before the
    next test empties the tables under them."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and stack.egress and stack.egress.handler_pids():
        time.sleep(0.2)
    time.sleep(1)


def recording(api, rec_id):
    return api.get(f"/recordings/{rec_id}").get_json()["data"]


def wait_status(api, rec_id, status, timeout):
    return wait_until(lambda: (r := recording(api, rec_id))["status"] in (status, "failed") and r, timeout)


def publishing_room(api, bot):
    room = api.create_room(capabilities=["video", "chat", "recording"])
    token = api.mint(room["id"], "clinician-1", name="Dr Who", role="host")
    assert bot.connect(token["url"], token["token"])["event"] == "connected"
    assert bot.publish_video()["event"] == "published"
    return room


def centre_brightness(frame) -> float:
    grey = frame.to_ndarray(format="gray")
    h, w = grey.shape
    return float(grey[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].mean())


def handler_cpu_seconds(stack) -> float:
    total = 0.0
    for pid in stack.egress.handler_pids():
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                times = p.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return total


def test_a_recording_lands_in_the_bucket_under_the_customers_kms_key(api, configured, receiver):
    hooks = receiver()
    api.post(
        "/webhook_endpoints",
        json={"url": hooks.url("/ok"), "events": ["recording.started", "recording.completed"]},
    )
    with BotProcess() as bot:
        room = publishing_room(api, bot)
        wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active")
        t0 = time.monotonic()
        started = api.post(f"/rooms/{room['id']}/recordings", json={"layout": "grid", "format": "mp4"})
        assert started.status_code == 201, started.get_json()
        rec = started.get_json()["data"]
        assert rec["status"] == "starting"
        assert rec["destination"] == f"s3://{BUCKET}/visits/{room['id']}/{rec['id']}.mp4"
        again = api.post(f"/rooms/{room['id']}/recordings", json={})
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "recording_in_progress"

        live = wait_status(api, rec["id"], "recording", 60)
        assert live["status"] == "recording", live["error"]
        FIGURES["start_to_recording_s"] = round(time.monotonic() - t0, 2)
        cpu0, w0 = handler_cpu_seconds(configured), time.monotonic()
        time.sleep(6)
        FIGURES["recording_cpu_cores"] = round(
            (handler_cpu_seconds(configured) - cpu0) / (time.monotonic() - w0), 2
        )

        t1 = time.monotonic()
        stopped = api.post(f"/recordings/{rec['id']}/stop")
        assert stopped.status_code == 200 and stopped.get_json()["data"]["status"] == "stopping"
        assert api.post(f"/recordings/{rec['id']}/stop").status_code == 200  # idempotent
        done = wait_status(api, rec["id"], "completed", 60)
        FIGURES["stop_to_completed_s"] = round(time.monotonic() - t1, 2)
    assert done["status"] == "completed", done
    assert done["error"] is None
    assert done["size_bytes"] > 10_000
    assert 4 <= done["duration_seconds"] <= 30

    s3 = configured.moto.s3()
    key = f"visits/{room['id']}/{rec['id']}.mp4"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(configured.kms_key)
    assert head["ContentLength"] == done["size_bytes"]
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with av.open(io.BytesIO(body)) as container:
        assert container.streams.video, "no video stream"
        # The bot's camera cycles through grey shades: the middle of the picture must follow it.
        centres = [centre_brightness(frame) for frame in container.decode(video=0)]
    frames = len(centres)
    assert frames >= 30
    assert max(centres) - min(centres) > 40, "the publisher's video is not in the recording"

    FIGURES["size_bytes"], FIGURES["duration_s"], FIGURES["frames"] = (
        done["size_bytes"],
        done["duration_seconds"],
        frames,
    )

    link = api.get(f"/recordings/{rec['id']}/download_url?expires_in=120").get_json()["data"]
    assert requests.get(link["url"], timeout=10).content == body

    def delivered():
        types = [json.loads(r["raw"])["type"] for r in hooks.requests()]
        return "recording.completed" in types and types

    types = wait_until(delivered, 20)
    assert types.count("recording.started") == 1
    completed = next(
        json.loads(r["raw"])
        for r in hooks.requests()
        if json.loads(r["raw"])["type"] == "recording.completed"
    )
    assert completed["data"]["id"] == rec["id"] and completed["data"]["status"] == "completed"

    actions = [entry.action for entry in audit.list_for_room(room["id"])]
    for action in (
        "recording.requested",
        "recording.started",
        "recording.stopped",
        "recording.completed",
        "recording.download_url",
    ):
        assert action in actions

    assert api.delete(f"/recordings/{rec['id']}").status_code == 200
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount", 0) == 0
    assert api.get(f"/recordings/{rec['id']}").status_code == 404
    print("\nRECORDING FIGURES", FIGURES)


def test_closing_the_room_stops_and_completes_its_recording(api, configured):
    with BotProcess() as bot:
        room = publishing_room(api, bot)
        wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active")
        rec = api.post(f"/rooms/{room['id']}/recordings", json={"layout": "grid"}).get_json()["data"]
        live = wait_status(api, rec["id"], "recording", 60)
        assert live["status"] == "recording", live["error"]
        time.sleep(3)
        assert api.delete(f"/rooms/{room['id']}").status_code == 200
        assert recording(api, rec["id"])["status"] == "stopping"
        done = wait_status(api, rec["id"], "completed", 60)
    assert done["status"] == "completed", done
    assert done["size_bytes"] > 0


def join(page_factory, base_url, token):  # noqa: F811
    page = page_factory()
    page.goto(base_url + token["join_url"][token["join_url"].index("/join/") :])
    page.wait_for_selector("#prejoin:not([hidden])")
    page.click("#join-button")
    page.wait_for_selector("#call:not([hidden])")
    return page


def test_everyone_on_the_meeting_page_sees_the_recording_and_the_host_controls_it(
    api,
    configured,
    page_factory,  # noqa: F811
):
    room = api.create_room(capabilities=["video", "chat", "recording"])
    host = join(page_factory, configured.web.url, api.mint(room["id"], "clinician", role="host"))
    patient = join(page_factory, configured.web.url, api.mint(room["id"], "patient", role="patient"))
    host.wait_for_selector("#toggle-recording:not([disabled])", timeout=20000)
    assert host.inner_text("#toggle-recording") == "Record"
    assert patient.locator("#toggle-recording").count() == 0  # only hosts control it

    host.click("#toggle-recording")
    patient.wait_for_function(
        "() => (document.getElementById('recording-indicator') || {}).textContent === '\u25cf Recording'",
        timeout=60000,
    )
    host.wait_for_function(
        "() => document.getElementById('toggle-recording').textContent === 'Stop recording'"
    )
    (rec,) = api.get(f"/recordings?room_id={room['id']}").get_json()["data"]
    assert rec["status"] == "recording"
    time.sleep(2)
    host.click("#toggle-recording")
    done = wait_status(api, rec["id"], "completed", 60)
    assert done["status"] == "completed", done
    patient.wait_for_selector("#recording-indicator", state="hidden", timeout=20000)


def test_an_egress_killed_mid_recording_fails_it_as_egress_lost(api, configured, receiver, app):
    """kill -9 of the egress worker and everything under it: LiveKit keeps listing the egress
    `active` forever, but its recorder leaves the room, and reconciliation fails the recording
    `egress_lost` (webhook `recording.failed`) instead of leaving it `recording` for good.
    Kills the module's egress: only the no-egress test may follow."""
    hooks = receiver()
    api.post("/webhook_endpoints", json={"url": hooks.url("/ok"), "events": ["recording.failed"]})
    with BotProcess() as bot:
        room = publishing_room(api, bot)
        wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active")
        rec = api.post(f"/rooms/{room['id']}/recordings", json={"layout": "grid"}).get_json()["data"]
        live = wait_status(api, rec["id"], "recording", 60)
        assert live["status"] == "recording", live["error"]
        egress_id = db.session.get(Recording, rec["id"]).egress_id
        # The recorder is in the room while egress lives (the rule's signal).
        recorder = [p for p in livekit.list_participants(room["id"]) if p.identity == egress_id]
        assert [p.kind for p in recorder] == ["egress"]

        tree = psutil.Process(configured.egress.proc.pid).children(recursive=True)
        configured.egress.stop(sig=signal.SIGKILL)
        for child in tree:  # the handler, its Chromium and Xvfb: all of it, at once
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        killed_at = time.monotonic()
        assert egress.get(egress_id).status == "active"  # what LiveKit still says

        # Within the grace period nothing is decided; after it, the missing recorder is.
        app.config["RECORDING_LOST_GRACE_SECONDS"] = 3600
        recordings.reconcile()
        assert recording(api, rec["id"])["status"] == "recording"
        app.config["RECORDING_LOST_GRACE_SECONDS"] = 0
        wait_until(lambda: all(p.identity != egress_id for p in livekit.list_participants(room["id"])), 40)
        recordings.reconcile()
        failed = recording(api, rec["id"])
        lost_after = time.monotonic() - killed_at
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "egress_lost" and failed["error"]["message"]
    recordings.reconcile()  # once only
    failures = lambda: [json.loads(r["raw"]) for r in hooks.requests()]  # noqa: E731
    (event,) = wait_until(failures, 20)
    time.sleep(0.5)
    assert len(failures()) == 1
    assert event["type"] == "recording.failed" and event["data"]["id"] == rec["id"]
    assert event["data"]["error"]["code"] == "egress_lost"
    entries = [e for e in audit.list_for_room(room["id"]) if e.action == "recording.failed"]
    assert [e.detail["reason"] for e in entries] == ["egress_lost"]
    print("\nEGRESS LOST", {"failed_after_kill_s": round(lost_after, 2)})


def test_without_an_egress_worker_the_recording_fails_with_503(api, configured):
    configured.egress.stop()  # the last test of the module: nothing records after this
    with BotProcess() as bot:
        room = publishing_room(api, bot)
        wait_until(lambda: api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active")
        response = api.post(f"/rooms/{room['id']}/recordings", json={})
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"]["code"] == "unavailable"
    (rec,) = api.get(f"/recordings?room_id={room['id']}").get_json()["data"]
    assert rec["status"] == "failed"
    assert rec["error"]["code"] == "egress_unavailable"

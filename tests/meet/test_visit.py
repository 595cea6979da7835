"""A visit run from the browser, end to end: real LiveKit (with its webhooks), Switchboard
under gunicorn + gevent, Debian's Chromium. Saves the README's screenshots to
docs/screenshots/. PostgreSQL only (end-to-end tests with real servers may be)."""

import math
import os
import re
import struct
import wave
from pathlib import Path

import pytest
import requests

from tests.admin.conftest import PASSWORD, create_admin
from tests.meet.conftest import ARGS, CHROMIUM
from tests.support.components import require_component
from tests.support.servers import AppServer, LiveKitServer, free_port

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", params=["postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def playwright():
    if not os.path.exists(CHROMIUM):
        require_component("Chromium", f"{CHROMIUM} is missing (make test installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    """Chromium whose fake microphone speaks all the time (a steady tone from a WAV file):
    the default fake device only beeps, too briefly for LiveKit to call anyone a speaker."""
    voice = tmp_path_factory.mktemp("audio") / "voice.wav"
    with wave.open(str(voice), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        samples = (int(12000 * math.sin(2 * math.pi * 220 * i / 48000)) for i in range(48000 * 4))
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*ARGS, f"--use-file-for-fake-audio-capture={voice}"]
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def stack(backend, database_urls):
    """LiveKit sending its webhooks to Switchboard, and Switchboard on the test database."""
    port = free_port()
    livekit = LiveKitServer(webhook_urls=[f"http://127.0.0.1:{port}/livekit/webhook"])
    env = {
        "DATABASE_URL": database_urls(backend),
        "REALTIME_CHECK_SECONDS": "1",
        "API_RATE_LIMIT": "100000 per second",
        "REDIS_URL": "",
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }
    with livekit, AppServer(env=env, port=port) as server:
        yield livekit, server
    livekit.cleanup()


@pytest.fixture
def app_config(stack):
    livekit, _server = stack
    return {
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }


@pytest.fixture
def server(stack):
    return stack[1]


@pytest.fixture
def open_page(browser):
    """`open_page(viewport)`: a page whose console errors and uncaught exceptions are
    collected; the test fails if any page logged one."""
    contexts, errors = [], []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(permissions=["camera", "microphone"], viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on(
            "console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
        )
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == []


def _join(page, url: str):
    page.goto(url)
    page.wait_for_selector("#prejoin:not([hidden])")
    page.wait_for_function("() => document.getElementById('preview').srcObject !== null")
    page.click("#join-button")
    page.wait_for_selector("#call:not([hidden])")
    page.wait_for_selector(".tile.local video")


def _link(api, server, room_id: str, identity: str, name: str) -> str:
    url = api.mint(room_id, identity, name=name)["join_url"]
    return server.url + url[url.index("/join/") :]


def test_an_admin_runs_a_visit_from_the_browser(app, server, open_page):
    create_admin()
    admin = open_page()
    admin.goto(server.url + "/admin/login")
    admin.fill("#email", "ops@example.com")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_selector("text=Rooms")

    admin.goto(server.url + "/admin/keys")
    admin.fill("#project", "North clinic")
    admin.click("text=Create key")
    admin.wait_for_selector("#new-secret")

    admin.goto(server.url + "/admin/rooms/new")
    admin.fill("#name", "Follow-up visit")
    assert admin.is_checked("label:has-text('Video') input") and admin.is_checked(
        "label:has-text('Chat') input"
    )
    admin.click("text=Create room")
    admin.wait_for_selector("h1:has-text('Follow-up visit')")

    admin.fill("#identity", "patient-9182")
    admin.fill("#name", "Pat Doe")
    admin.fill("#role", "patient")
    admin.click("text=Make join link")
    link = admin.input_value("#join-link")
    assert link.startswith(server.url + "/join/rm_") and "#token=" in link
    admin.evaluate("window.notReloaded = true")

    patient = open_page()
    patient.goto(link)
    patient.wait_for_selector("#prejoin:not([hidden])")
    patient.wait_for_function("() => document.getElementById('preview').srcObject !== null")
    patient.wait_for_function(
        "() => Number(document.getElementById('mic-meter').getAttribute('aria-valuenow')) > 0"
    )
    patient.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
    assert "Pat Doe" in patient.inner_text("#me-name")
    patient.screenshot(path=str(SHOTS / "prejoin.png"))
    patient.click("#join-button")
    patient.wait_for_selector("#call:not([hidden])")

    # The roster refreshes by itself: the patient appears in the call, with tracks.
    row = admin.wait_for_selector('#roster tr[data-identity="patient-9182"]')
    admin.wait_for_function(
        "() => document.querySelector('#roster tr[data-identity=\"patient-9182\"]').innerText.includes('in call')"
    )
    admin.wait_for_selector('#roster tr[data-identity="patient-9182"] .track', timeout=30000)
    assert "patient" in row.inner_text()
    assert admin.evaluate("window.notReloaded") is True
    # The sessions panel is drawn with the page: open it again for the screenshot.
    admin.goto(admin.url.removesuffix("/join_link"))
    admin.wait_for_selector('#roster tr[data-identity="patient-9182"] .track')
    assert "Pat Doe" in admin.inner_text("details[open]")  # the session's time log
    admin.screenshot(path=str(SHOTS / "admin-room.png"), full_page=True)

    admin.once("dialog", lambda dialog: dialog.accept())
    admin.click('#roster tr[data-identity="patient-9182"] button:has-text("Remove")')
    admin.wait_for_selector("text=patient-9182 was removed")
    patient.wait_for_selector("#notice:not([hidden])", timeout=20000)
    assert "removed" in patient.inner_text("#notice").lower()
    admin.wait_for_selector("#roster .empty-row")


def test_two_people_call_with_the_stage_filling_the_screen(api, server, open_page):
    room = api.create_room(name="Dermatology follow-up", capabilities=["video", "chat"])
    clinician, patient = open_page(), open_page()
    _join(clinician, _link(api, server, room["id"], "clinician", "Dana Kim"))
    _join(patient, _link(api, server, room["id"], "patient", "Pat Doe"))
    remote_video = "document.querySelector('.tile[data-identity=\"{0}\"] video')?.videoWidth > 0"
    clinician.wait_for_function("() => " + remote_video.format("patient"), timeout=30000)
    patient.wait_for_function("() => " + remote_video.format("clinician"), timeout=30000)

    # Two tiles side by side fill the stage, which fills the window beside the chat.
    assert patient.get_attribute("#stage", "data-layout") == "2"
    stage = patient.locator("#stage").bounding_box()
    assert stage["height"] > 0.75 * DESKTOP["height"] and stage["width"] > 0.6 * DESKTOP["width"]
    tiles = [
        patient.locator(f'.tile[data-identity="{who}"]').bounding_box() for who in ("patient", "clinician")
    ]
    assert all(t["width"] > 0.25 * DESKTOP["width"] and t["height"] > 0.6 * DESKTOP["height"] for t in tiles)

    # The patient mutes; the clinician's fake microphone keeps beeping: they are the speaker.
    patient.click("#toggle-mic")
    clinician.wait_for_selector('.tile.mic-off[data-identity="patient"]')
    patient.wait_for_selector('.tile.speaking[data-identity="clinician"]', timeout=30000)
    patient.wait_for_selector('.tile.speaking[data-identity="patient"]', state="detached")

    # The clinician turns the camera off: their tile shows initials instead of a black box.
    clinician.click("#toggle-camera")
    patient.wait_for_selector('.tile.camera-off[data-identity="clinician"] .avatar')
    assert patient.inner_text('.tile[data-identity="clinician"] .avatar') == "DK"
    clinician.click("#toggle-camera")
    patient.wait_for_function(
        "() => "
        + remote_video.format("clinician")
        + " && !document.querySelector('.tile[data-identity=\"clinician\"]').classList.contains('camera-off')"
    )

    clinician.fill("#chat-input", "Hi Pat, can you show me the area on your left arm?")
    clinician.click("#chat-send")
    patient.wait_for_selector('#messages li[data-seq="1"]')
    patient.fill("#chat-input", "Sure, one moment.")
    patient.click("#chat-send")
    clinician.wait_for_selector('#messages li[data-seq="2"]')
    patient.wait_for_selector('.tile.speaking[data-identity="clinician"]', timeout=30000)
    patient.screenshot(path=str(SHOTS / "call.png"))

    # Screen share: the large tile, people beside it.
    patient.click("#toggle-share")
    clinician.wait_for_selector('.tile.screen[data-identity="patient"] video', timeout=30000)
    clinician.wait_for_function(
        "() => document.querySelector('.tile.screen video').videoWidth > 0", timeout=30000
    )
    screen = clinician.locator(".tile.screen").bounding_box()
    person = clinician.locator('.tile.person[data-identity="patient"]').bounding_box()
    assert screen["width"] > 2 * person["width"] and person["x"] > screen["x"] + screen["width"] - 1
    clinician.screenshot(path=str(SHOTS / "screen-share.png"))
    patient.click("#toggle-share")
    clinician.wait_for_selector(".tile.screen", state="detached")

    # A phone: one column, chat behind a toggle with an unread badge.
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    _join(phone, _link(api, server, room["id"], "nurse", "Sam Rivera"))
    phone.wait_for_function("() => " + remote_video.format("clinician"), timeout=30000)
    assert phone.get_attribute("#stage", "data-layout") == "4"
    assert phone.locator("#chat").is_hidden() and phone.locator("#toggle-chat").is_visible()
    clinician.fill("#chat-input", "Sam has joined us from the ward.")
    clinician.click("#chat-send")
    phone.wait_for_selector("#unread:not([hidden])")
    assert phone.inner_text("#unread-count") == "1"
    phone.screenshot(path=str(SHOTS / "phone-call.png"))
    phone.click("#toggle-chat")
    assert phone.locator("#chat").is_visible() and phone.locator("#unread").is_hidden()
    assert "Sam has joined us" in phone.inner_text("#messages")

    # Leaving says so and offers to rejoin.
    phone.click("#close-chat")
    phone.click("#leave")
    assert phone.inner_text("#notice-title") == "You left"
    assert phone.inner_text("#notice-action") == "Rejoin"


def test_docs_page_and_health_endpoints_answer(server, open_page):
    assert requests.get(server.url + "/healthz", timeout=5).json() == {"data": {"status": "ok"}}
    ready = requests.get(server.url + "/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["data"] == {
        "status": "ready",
        "database": "ok",
        "livekit": "ok",
        "redis": "not_configured",
    }

    page = open_page()
    page.goto(server.url + "/")
    page.click("text=Read the API reference")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.swagger-ui .opblock-summary-path'))"
        ".some(el => el.textContent.includes('/rooms/{room_id}/tokens'))"
    )
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    assert page.locator(".swagger-ui .opblock").count() > 20
    page.click("text=Switchboard")
    assert re.search(r"/$", page.url)


def test_a_machine_without_camera_or_microphone_gets_help_and_can_still_join(api, server, playwright):
    """Chromium without its fake devices on a server with none: getUserMedia really fails."""
    args = [arg for arg in ARGS if arg != "--use-fake-device-for-media-stream"]
    room = api.create_room(capabilities=["video", "chat"])
    bare = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        page = bare.new_context(viewport=DESKTOP).new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(_link(api, server, room["id"], "patient", "Pat Doe"))
        page.wait_for_selector("#device-help:not([hidden])")
        assert "No camera or microphone was found" in page.inner_text("#device-help")
        assert page.locator("#device-retry").is_visible()
        assert page.inner_text("#preview-initials") == "PD"
        page.click("#join-button")
        page.wait_for_selector('.tile.camera-off.mic-off[data-identity="patient"] .avatar')
        assert errors == []
    finally:
        bare.close()

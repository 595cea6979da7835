"""Two browsers in a room with video, through a real LiveKit server, see each other's camera."""

import pytest

from tests.support.servers import LiveKitServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def livekit():
    server = LiveKitServer()
    with server:
        yield server
    server.cleanup()


def _livekit_settings(livekit) -> dict:
    return {
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }


@pytest.fixture(scope="module")
def server_env(livekit):
    return _livekit_settings(livekit)


@pytest.fixture
def app_config(livekit):
    return _livekit_settings(livekit)


def test_two_browsers_see_each_others_video(api, server, page_factory):
    room = api.create_room(capabilities=["video", "chat"])
    pages = []
    for identity in ("clinician", "patient"):
        data = api.post(f"/rooms/{room['id']}/tokens", json={"identity": identity}).get_json()["data"]
        page = page_factory()
        page.goto(server.url + data["join_url"][data["join_url"].index("/join/") :])
        page.wait_for_selector("#prejoin:not([hidden])")
        page.wait_for_function(
            "() => document.getElementById('preview').srcObject !== null"
        )  # device check ran
        page.click("#join-button")
        page.wait_for_selector("#call:not([hidden])")
        pages.append(page)
    clinician, patient = pages
    remote_video = (
        "() => Array.from(document.querySelectorAll('.tile[data-identity=\"{0}\"] video'))"
        ".some(v => v.videoWidth > 0 && v.readyState >= 2)"
    )
    clinician.wait_for_function(remote_video.format("patient"), timeout=30000)
    patient.wait_for_function(remote_video.format("clinician"), timeout=30000)
    # The page's room exposes the LiveKit room's local participant and its tracks.
    assert patient.locator("#toggle-share").is_visible()
    patient.click("#toggle-mic")
    assert patient.inner_text("#toggle-mic") == "Unmute"

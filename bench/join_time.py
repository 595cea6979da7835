"""Join time: a join link in headless Chromium to the first remote video frame, next to a bare
livekit-client page connecting with a token of the same kind (the floor).

A headless rtc participant (tests/support/bots) publishes a camera into the room. Each attempt
opens a fresh browser context and times, from just before navigation to the first remote
frame (`videoWidth > 0`, `readyState >= 2`, polled every animation frame):
- the meeting page `/join/<room>#token=…`, clicking Join as soon as the device check is ready
  (the figure also given from the click);
- a bare page that loads Switchboard's own livekit-client bundle and calls `room.connect`
  with the minted token's LiveKit URL and token, subscribing and attaching the camera.
Attempts alternate between the two; medians are reported.
"""

import statistics
import time

import requests

from tests.support.bots import BotProcess
from tests.support.servers import AppServer, LiveKitServer

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
REMOTE = "Array.from(document.querySelectorAll('{0}')).some(v => v.videoWidth > 0 && v.readyState >= 2)"
BARE = """<!doctype html><html><body>
<script src="{base}/static/vendor/livekit-client.umd.js"></script>
<script>
  const room = new LivekitClient.Room();
  room.on(LivekitClient.RoomEvent.TrackSubscribed, (track) => {{
    if (track.kind === "video") {{ const v = track.attach(); v.muted = true; document.body.append(v); }}
  }});
  room.connect({url!r}, {token!r});
</script></body></html>"""


def run(database_url: str, key: str, node: LiveKitServer, attempts: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "LIVEKIT_URL": node.ws_url,
        "LIVEKIT_API_KEY": node.api_key,
        "LIVEKIT_API_SECRET": node.api_secret,
        "API_RATE_LIMIT": "100000 per second",
        "LOG_LEVEL": "WARNING",
    }
    headers = {"Authorization": f"Bearer {key}"}
    page_totals, page_from_click, bare_totals = [], [], []
    with AppServer(env=env, workers=1) as server, BotProcess() as publisher, sync_playwright() as pw:
        room = requests.post(
            server.url + "/api/v1/rooms",
            json={"room": {"name": "join time", "capabilities": ["video", "chat"]}},
            headers=headers,
            timeout=10,
        ).json()["data"]

        def mint(identity: str) -> dict:
            response = requests.post(
                f"{server.url}/api/v1/rooms/{room['id']}/tokens",
                json={"identity": identity},
                headers=headers,
                timeout=10,
            )
            return response.json()["data"]

        joined = mint("publisher")
        assert publisher.connect(joined["url"], joined["token"])["event"] == "connected"
        assert publisher.publish_video()["event"] == "published"
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for attempt in range(attempts):
                # The meeting page.
                data = mint(f"page-{attempt}")
                context = browser.new_context(permissions=["camera", "microphone"])
                page = context.new_page()
                page.set_default_timeout(30000)
                start = time.perf_counter()
                page.goto(server.url + data["join_url"][data["join_url"].index("/join/") :])
                page.wait_for_function("() => document.getElementById('preview')?.srcObject != null")
                clicked = time.perf_counter()
                page.click("#join-button")
                page.wait_for_function(
                    "() => " + REMOTE.format('.tile[data-identity="publisher"] video'), polling="raf"
                )
                done = time.perf_counter()
                page_totals.append(1000 * (done - start))
                page_from_click.append(1000 * (done - clicked))
                context.close()
                # The bare livekit-client page.
                data = mint(f"bare-{attempt}")
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(30000)
                start = time.perf_counter()
                page.set_content(BARE.format(base=server.url, url=data["url"], token=data["token"]))
                page.wait_for_function("() => " + REMOTE.format("video"), polling="raf")
                bare_totals.append(1000 * (time.perf_counter() - start))
                context.close()
        finally:
            browser.close()
    return {
        "attempts": attempts,
        "join_page_ms": round(statistics.median(page_totals), 1),
        "join_page_from_click_ms": round(statistics.median(page_from_click), 1),
        "bare_ms": round(statistics.median(bare_totals), 1),
        "join_page_all_ms": [round(x) for x in page_totals],
        "bare_all_ms": [round(x) for x in bare_totals],
    }

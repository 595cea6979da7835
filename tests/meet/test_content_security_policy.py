"""Every page works under its Content-Security-Policy in a real browser: Debian's Chromium
joins a call on a real LiveKit (camera, chat, screen share), renders the recording page, logs
in to the admin and reads the API docs, and not one `securitypolicyviolation` fires and no
console message reports a blocked resource. PostgreSQL only (a real server)."""

import pytest

from tests.admin.conftest import PASSWORD, create_admin
from tests.support.servers import LiveKitServer

pytestmark = pytest.mark.slow

# Runs before any page script (injected by the browser, not subject to the page's CSP).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
});
"""


@pytest.fixture(scope="module", params=["postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def livekit():
    server = LiveKitServer()
    with server:
        yield server
    server.cleanup()


@pytest.fixture(scope="module")
def server_env(livekit):
    return {
        "LIVEKIT_URL": livekit.ws_url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }


@pytest.fixture
def app_config(server_env):
    return dict(server_env)


@pytest.fixture
def watched(browser):
    """`watched()`: a page whose CSP violations, and console reports about the CSP or the
    Permissions-Policy (also its warnings, e.g. a feature Chromium does not know), are collected."""
    contexts, reports = [], []

    def open_page():
        context = browser.new_context(permissions=["camera", "microphone"])
        context.add_init_script(WATCH)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on(
            "console",
            lambda msg: (
                reports.append(f"{page.url}: {msg.text}")
                if any(
                    word in msg.text.lower()
                    for word in ("content security policy", "permissions policy", "permissions-policy")
                )
                else None
            ),
        )
        return page

    yield open_page, reports
    for context in contexts:
        context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_every_page_runs_under_its_policy(app, api, server, livekit, watched):
    open_page, reports = watched
    room = api.create_room(capabilities=["video", "chat"])

    # The meeting page: device check, join, camera on LiveKit, chat, screen share.
    page = open_page()
    minted = api.mint(room["id"], "clinician", name="Dana Kim")
    response = page.goto(server.url + minted["join_url"][minted["join_url"].index("/join/") :])
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and livekit.ws_url in policy  # the real policy is on
    assert "camera=(self)" in response.headers["permissions-policy"]
    page.wait_for_selector("#prejoin:not([hidden])")
    page.wait_for_function("() => document.getElementById('preview').srcObject !== null")
    page.click("#join-button")
    page.wait_for_selector("#call:not([hidden])")
    page.wait_for_selector(".tile.local video")
    page.fill("#chat-input", "Checking the policy")
    page.click("#chat-send")
    page.wait_for_selector('#messages li[data-seq="1"]')
    page.click("#toggle-share")
    page.wait_for_selector(".tile.screen video")
    page.click("#toggle-share")

    # The recording page, as egress loads it, with a token of its own: it joins LiveKit and
    # shows the clinician's camera.
    recorder = open_page()
    token = api.mint(room["id"], "recorder")["token"]
    recorder.goto(f"{server.url}/recording/template?layout=grid&url={livekit.ws_url}&token={token}")
    recorder.wait_for_function(
        "() => document.querySelector('#stage .tile video')?.videoWidth > 0", timeout=30000
    )
    assert violations(page) == [] and violations(recorder) == []

    # The admin: log in, the room page with its live roster, the keys page.
    create_admin()
    admin = open_page()
    admin.goto(server.url + "/admin/login")
    admin.fill("input[name=email]", "ops@example.com")
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url("**/admin/")
    assert violations(admin) == []
    with admin.expect_response(lambda r: "roster.json" in r.url and r.status == 200):  # its live refresh
        admin.goto(f"{server.url}/admin/rooms/{room['id']}")
    assert violations(admin) == []
    with admin.expect_response(lambda r: "rooms.json" in r.url and r.status == 200):
        admin.goto(server.url + "/admin/")
    assert violations(admin) == []

    # The API reference (swagger-ui).
    docs = open_page()
    docs.goto(server.url + "/api/v1/docs")
    docs.wait_for_function("() => document.querySelectorAll('.swagger-ui .opblock').length > 20")
    docs.click(".swagger-ui .opblock-summary >> nth=0")  # expand one operation
    docs.wait_for_selector(".swagger-ui .opblock-body")
    assert violations(docs) == []

    assert reports == []

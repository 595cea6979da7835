"""Visit controls from the browser, end to end (real LiveKit with its webhooks, Switchboard
under gunicorn + gevent, Debian's Chromium): a patient waits with their own preview, hears
from the clinician, is admitted into the call on the same page; another is turned away with
a message; everyone is warned a minute before the visit ends. Saves the README's
screenshots of these screens. PostgreSQL only."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.admin.conftest import PASSWORD, create_admin
from tests.meet import test_visit as visit

# The visit tests' browser and servers (module-scoped there: started once more for this module).
backend, playwright, browser = visit.backend, visit.playwright, visit.browser
stack, app_config, server, open_page = visit.stack, visit.app_config, visit.server, visit.open_page
SHOTS, _join = visit.SHOTS, visit._join

pytestmark = pytest.mark.slow

REMOTE_VIDEO = "document.querySelector('.tile[data-identity=\"{0}\"] video')?.videoWidth > 0"


def _link(api, server, room_id: str, identity: str, name: str, **body) -> str:
    url = api.mint(room_id, identity, name=name, **body)["join_url"]
    return server.url + url[url.index("/join/") :]


def _check_in(page, url: str):
    page.goto(url)
    page.wait_for_selector("#prejoin:not([hidden])")
    assert page.inner_text("#join-button") == "Check in"
    assert page.locator("#waiting-hint").is_visible()
    page.wait_for_function("() => document.getElementById('preview').srcObject !== null")
    page.click("#join-button")
    page.wait_for_selector("#waiting-panel:not([hidden])")


def _admin_room_page(page, server, room_id: str):
    create_admin()
    page.goto(server.url + "/admin/login")
    page.fill("#email", "ops@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Rooms")
    page.goto(f"{server.url}/admin/rooms/{room_id}")
    page.wait_for_selector("#waiting-list .empty-row")


def test_a_patient_waits_hears_from_the_clinician_and_is_admitted_into_the_call(app, api, server, open_page):
    room = api.create_room(name="Dermatology follow-up", waiting_room=True)
    clinician, patient, admin = open_page(), open_page(), open_page()
    other = open_page(viewport=visit.PHONE, is_mobile=True, has_touch=True)
    _admin_room_page(admin, server, room["id"])
    _join(clinician, _link(api, server, room["id"], "clinician", "Dr. Dana Kim", role="host"))
    clinician.wait_for_selector("#toggle-waiting:not([hidden])")  # hosts get the queue
    assert clinician.locator("#waiting-room").is_hidden() and clinician.locator("#waiting-count").is_hidden()

    # The patient checks in: a waiting screen with their own live preview and the device check.
    _check_in(patient, _link(api, server, room["id"], "patient", "Pat Doe", role="patient"))
    patient.evaluate("window.notReloaded = true")
    assert "You're in the waiting room" in patient.inner_text("#prejoin-title")
    assert "The clinician will let you in shortly." in patient.inner_text("#waiting-panel")
    assert patient.inner_text("#waiting-since").startswith("Checked in at ")
    patient.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
    patient.wait_for_function(
        "() => Number(document.getElementById('mic-meter').getAttribute('aria-valuenow')) > 0"
    )
    assert patient.locator("#camera-select").is_visible() and patient.locator("#call").is_hidden()

    # The clinician's page: the queue opens with the patient, a count badge, an announcement.
    clinician.wait_for_selector('#waiting-list li[data-identity="patient"]')
    assert clinician.locator("#waiting-room").is_visible()
    assert clinician.inner_text("#waiting-count") == "1"
    assert "Pat Doe is in the waiting room." in clinician.inner_text("#waiting-announce")
    row = clinician.inner_text('#waiting-list li[data-identity="patient"]')
    assert "Pat Doe" in row and "waiting just now" in row
    # The waiting patient is invisible in the call.
    assert clinician.locator('.tile[data-identity="patient"]').count() == 0

    # The admin's room page shows the arrival without a reload.
    admin.wait_for_selector('#waiting-list tr[data-identity="patient"]')
    assert admin.inner_text("#waiting-count") == "1" and "Pat Doe" in admin.inner_text("#waiting-list")

    # A message to everyone waiting reaches the waiting screen, prominently.
    clinician.fill("#waiting-broadcast-input", "Running 5 minutes late, thank you for waiting.")
    clinician.click("#waiting-broadcast-send")
    patient.wait_for_selector("#waiting-message:not([hidden])")
    assert patient.inner_text("#waiting-message-text") == "Running 5 minutes late, thank you for waiting."
    assert "Sent:" in clinician.inner_text("#waiting-sent")
    patient.wait_for_timeout(1700)  # the highlight fades
    patient.screenshot(path=str(SHOTS / "waiting-room.png"))

    # A second person arrives; the clinician turns them away with a message.
    _check_in(other, _link(api, server, room["id"], "visitor", "Alex Moe", role="patient"))
    clinician.wait_for_selector('#waiting-list li[data-identity="visitor"]')
    assert clinician.inner_text("#waiting-count") == "2" and clinician.locator("#admit-all").is_visible()
    clinician.click('#waiting-list li[data-identity="visitor"] button.deny')
    clinician.get_by_label("Tell Alex Moe why (optional)").fill("Please book a new time at the front desk.")
    clinician.screenshot(path=str(SHOTS / "waiting-queue.png"))
    clinician.click('#waiting-list li[data-identity="visitor"] .deny-form button')
    other.wait_for_selector("#notice:not([hidden])", timeout=20000)
    assert "could not see you" in other.inner_text("#notice-title")
    assert other.inner_text("#notice-quote-text") == "Please book a new time at the front desk."
    # The camera and microphone are released.
    assert other.evaluate(
        "document.getElementById('preview').srcObject.getTracks().every(t => t.readyState === 'ended')"
    )
    other.screenshot(path=str(SHOTS / "waiting-denied.png"))
    clinician.wait_for_selector('#waiting-list li[data-identity="visitor"]', state="detached")
    assert clinician.inner_text("#waiting-count") == "1"

    # Admit: the patient's page enters the call on the same connection, and both see video.
    clinician.click('#waiting-list li[data-identity="patient"] button.admit')
    patient.wait_for_selector("#call:not([hidden])", timeout=20000)
    patient.wait_for_function("() => " + REMOTE_VIDEO.format("clinician"), timeout=30000)
    clinician.wait_for_function("() => " + REMOTE_VIDEO.format("patient"), timeout=30000)
    assert patient.evaluate("window.notReloaded") is True
    clinician.wait_for_selector("#waiting-empty:not([hidden])")
    assert clinician.locator("#waiting-count").is_hidden()
    assert "Pat Doe was admitted." in clinician.inner_text("#waiting-announce")
    admin.wait_for_selector("#waiting-list .empty-row")

    # Admitted, the patient is in the room's chat too.
    patient.wait_for_selector("#chat-input")
    patient.fill("#chat-input", "Hello, I can see you now.")
    patient.click("#chat-send")
    clinician.wait_for_selector("#messages li:has-text('Hello, I can see you now.')")


def test_everyone_is_warned_a_minute_before_the_visit_ends(api, server, open_page):
    ends_at = datetime.now(UTC) + timedelta(seconds=58)
    room = api.create_room(name="Short visit", ends_at=ends_at.isoformat().replace("+00:00", "Z"))
    page = open_page()
    _join(page, _link(api, server, room["id"], "patient", "Pat Doe"))
    assert page.locator("#end-warning").is_visible()
    assert "This visit ends in" in page.inner_text("#end-warning-text")
    assert page.inner_text("#end-announce").startswith("This visit ends in")
    page.screenshot(path=str(SHOTS / "end-warning.png"))

    # The room closes: a clear end screen.
    assert api.delete(f"/rooms/{room['id']}").status_code in (200, 204)
    page.wait_for_selector("#notice:not([hidden])", timeout=20000)
    assert page.inner_text("#notice-title") == "This visit has ended; the room is closed"
    assert page.locator("#end-warning").is_hidden()

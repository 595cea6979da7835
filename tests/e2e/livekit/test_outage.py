"""LiveKit down, hung, silent or restarted mid-call: clear 502/503 answers, no half-done
changes, then repair."""

import signal
import time

import pytest

from switchboard.extensions import db
from switchboard.jobs.registry import load_tasks
from switchboard.livekit import client as livekit
from switchboard.models import AuditEntry, Job, JoinToken, Room
from switchboard.services import tokens
from switchboard.services.rooms import lifecycle
from tests.e2e.livekit.conftest import wait_until
from tests.support.bots import BotProcess

pytestmark = pytest.mark.slow


def roster(api, room_id):
    return api.get(f"/rooms/{room_id}/participants").get_json()["data"]


def test_removal_while_livekit_is_down_is_503_changes_nothing_and_reconcile_repairs(api, stack):
    room = api.create_room()
    token = api.mint(room["id"], "patient-1")
    bot = BotProcess()
    try:
        assert bot.connect(token["url"], token["token"])["event"] == "connected"
        wait_until(lambda: roster(api, room["id"]))
        stack.livekit.stop(sig=signal.SIGKILL)
    finally:
        bot.kill()

    response = api.delete(f"/rooms/{room['id']}/participants/patient-1")
    assert response.status_code == 503
    assert response.get_json()["error"]["type"] == "unavailable"
    db.session.expire_all()
    assert db.session.scalar(db.select(JoinToken).where(JoinToken.room_id == room["id"])).revoked_at is None
    assert [p["identity"] for p in roster(api, room["id"])] == ["patient-1"]
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "participant.removed")) is None
    with pytest.raises(livekit.LiveKitError) as err:
        lifecycle.reconcile()
    assert err.value.status == 503

    stack.restart_livekit()
    totals = lifecycle.reconcile()
    assert totals["left"] == 1
    assert roster(api, room["id"]) == []
    session = api.get(f"/rooms/{room['id']}/sessions").get_json()["data"][0]
    assert session["ended_at"] is not None
    assert session["participants"][0]["left_reason"] == "reconciled"
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active"  # empty_timeout not over


def test_a_hung_livekit_gives_503_within_the_timeout(api, stack, app):
    room = api.create_room()
    stack.livekit.pause()
    try:
        started = time.monotonic()
        response = api.delete(f"/rooms/{room['id']}/participants/patient-1")
        elapsed = time.monotonic() - started
    finally:
        stack.livekit.resume()
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "LiveKit did not answer in time; try again shortly."
    assert elapsed < app.config["LIVEKIT_TIMEOUT"] + 1


def test_closing_while_livekit_is_unreachable_closes_now_and_the_job_deletes_the_livekit_room_later(
    api, stack, app
):
    room = api.create_room()
    token = api.mint(room["id"], "patient-1")
    with BotProcess() as bot:
        assert bot.connect(token["url"], token["token"])["event"] == "connected"
        wait_until(lambda: roster(api, room["id"]))
        live_url = app.config["LIVEKIT_API_URL"]
        app.config["LIVEKIT_API_URL"] = "http://127.0.0.1:9"  # Switchboard cannot reach LiveKit
        try:
            response = api.delete(f"/rooms/{room['id']}")
        finally:
            app.config["LIVEKIT_API_URL"] = live_url
        assert response.status_code == 200
        assert response.get_json()["data"]["status"] == "closed"
        assert roster(api, room["id"]) == []
        job = db.session.scalar(db.select(Job).where(Job.kind == "livekit.delete_room"))
        assert job.payload == {"room_id": room["id"]} and job.status == "queued"
        revoked = db.select(db.func.count()).select_from(JoinToken).where(JoinToken.revoked_at.is_(None))
        assert db.session.scalar(revoked) == 0
        assert [r.name for r in livekit.list_rooms([room["id"]])] == [room["id"]]  # still live in LiveKit

        # Whichever comes first, reconciliation or the retried job, deletes the LiveKit room.
        assert lifecycle.reconcile()["deleted"] == 1
        assert bot.wait_for("disconnected", timeout=5)["event"] == "disconnected"
        assert livekit.list_rooms([room["id"]]) == []
        load_tasks()["livekit.delete_room"](job.payload)  # the retry finds nothing left to do


def test_close_removes_the_livekit_room_at_once_when_livekit_is_up(api, stack):
    room = api.create_room()
    token = api.mint(room["id"], "a")
    with BotProcess() as bot:
        assert bot.connect(token["url"], token["token"])["event"] == "connected"
        assert api.delete(f"/rooms/{room['id']}").status_code == 200
        assert bot.wait_for("disconnected", timeout=5)["event"] == "disconnected"
        job = db.session.scalar(db.select(Job).where(Job.kind == "livekit.delete_room"))
        assert job.status == "done"


def test_reconcile_records_missed_joins_and_removes_revoked_participants_still_connected(api, stack):
    stack.restart_livekit(webhooks=False)  # every webhook from now on is lost
    try:
        room = api.create_room()
        token = api.mint(room["id"], "patient-1")
        with BotProcess() as bot:
            assert bot.connect(token["url"], token["token"])["event"] == "connected"
            published = bot.publish_video()
            assert roster(api, room["id"]) == []

            wait_until(lambda: livekit.list_participants(room["id"])[0].tracks)
            lifecycle.reconcile()
            (person,) = roster(api, room["id"])
            assert person["identity"] == "patient-1"
            assert [t["sid"] for t in person["tracks"]] == [published["sid"]]
            assert api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active"

            tokens.revoke_identity(db.session.get(Room, room["id"]), "patient-1")
            db.session.commit()
            totals = lifecycle.reconcile()
            assert totals["removed"] == 1
            assert bot.wait_for("disconnected", timeout=5)["event"] == "disconnected"
            assert roster(api, room["id"]) == []
    finally:
        stack.restart_livekit()


def sees(bot, identity, timeout=10.0):
    return wait_until(lambda: identity in bot.remote_participants(), timeout=timeout)


def test_livekit_restarted_during_a_call(api, stack, app):
    room = api.create_room()
    alice, bob = api.mint(room["id"], "clinician-1", role="host"), api.mint(room["id"], "patient-1")
    bots = [BotProcess(), BotProcess()]
    try:
        for bot, token in zip(bots, (alice, bob), strict=True):
            assert bot.connect(token["url"], token["token"])["event"] == "connected"
        sees(bots[0], "patient-1")
        sees(bots[1], "clinician-1")
        wait_until(lambda: len(roster(api, room["id"])) == 2)

        stack.livekit.stop(sig=signal.SIGKILL)
        down_at = time.monotonic()
        started = time.monotonic()
        response = api.delete(f"/rooms/{room['id']}/participants/patient-1")  # needs LiveKit
        assert time.monotonic() - started < app.config["LIVEKIT_TIMEOUT"] + 1
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["type"] == "unavailable" and "Traceback" not in response.get_data(as_text=True)
        # What does not need LiveKit keeps working: the roster, a new link.
        assert api.get(f"/rooms/{room['id']}/participants").status_code == 200
        api.mint(room["id"], "observer-1")
        time.sleep(max(0.0, down_at + 2 - time.monotonic()))  # an outage, not a blip

        stack.restart_livekit()  # the same HTTP port; the same links work
        up_at = time.monotonic()
        for bot in bots:
            bot.kill()
        bots = [BotProcess(), BotProcess()]
        for bot, token in zip(bots, (alice, bob), strict=True):
            assert bot.connect(token["url"], token["token"])["event"] == "connected"
        sees(bots[0], "patient-1")
        sees(bots[1], "clinician-1")
        rejoined_at = time.monotonic()

        # The connections that died with LiveKit are closed by reconciliation; the new ones stay.
        totals = lifecycle.reconcile()
        people = roster(api, room["id"])
        assert sorted(p["identity"] for p in people) == ["clinician-1", "patient-1"]
        assert totals["rooms"] == 1
    finally:
        for bot in bots:
            bot.close()  # a clean leave (a killed one leaves only after LiveKit's timeout)

    wait_until(lambda: roster(api, room["id"]) == [], timeout=15)
    logs = [p for s in api.get(f"/rooms/{room['id']}/sessions").get_json()["data"] for p in s["participants"]]
    assert all(p["left_at"] for p in logs)  # nobody stuck "joined"
    identities = [p["identity"] for p in logs]
    assert identities.count("clinician-1") >= 2 and identities.count("patient-1") >= 2  # before and after
    print(
        "livekit restart:",
        {"outage_s": round(up_at - down_at, 2), "rejoined_after_start_s": round(rejoined_at - up_at, 2)},
    )

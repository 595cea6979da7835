"""Visit controls against a real livekit-server, with hand-built clients (the LiveKit rtc SDK
using the join token directly): the waiting room holds, admission lets media through, denial
sticks, rooms end on time and tokens eject their holder when they expire."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from switchboard.extensions import db
from switchboard.models import Job
from tests.e2e.livekit.conftest import wait_until
from tests.support.bots import BotProcess

pytestmark = pytest.mark.slow


def room_of(api, room_id):
    return api.get(f"/rooms/{room_id}").get_json()["data"]


def waiting(api, room_id):
    return [p["identity"] for p in api.get(f"/rooms/{room_id}/waiting").get_json()["data"]]


def roster(api, room_id):
    return [p["identity"] for p in api.get(f"/rooms/{room_id}/participants").get_json()["data"]]


def test_a_waiting_patient_gets_no_media_and_is_unseen_until_admitted(api, stack):
    room = api.create_room(waiting_room=True)
    host = api.mint(room["id"], "clinician-1", role="host")
    patient = api.mint(room["id"], "patient-1", role="patient")
    with BotProcess() as doctor, BotProcess() as pat:
        assert doctor.connect(host["url"], host["token"], watch=True)["event"] == "connected"
        assert doctor.publish_video()["event"] == "published"
        assert pat.connect(patient["url"], patient["token"], watch=True)["event"] == "connected"
        assert pat.publish_video()["event"] == "error"  # a waiting token may not publish

        assert wait_until(lambda: waiting(api, room["id"]) == ["patient-1"])
        assert roster(api, room["id"]) == ["clinician-1"]
        time.sleep(2)  # give media every chance to flow: none may
        with pytest.raises(TimeoutError):
            pat.wait_for("frame", timeout=1)
        assert doctor.remote_participants() == []  # the waiting patient is invisible
        assert pat.remote_participants() == ["clinician-1"]

        admitted_at = time.monotonic()
        response = api.post(f"/rooms/{room['id']}/waiting/patient-1/admit")
        assert response.get_json()["data"] == {"identity": "patient-1", "status": "admitted"}
        frame = pat.wait_for("frame", timeout=10)
        assert frame["event"] == "frame" and frame["identity"] == "clinician-1"
        assert time.monotonic() - admitted_at < 10
        assert doctor.wait_for("participant_connected", timeout=10)["identity"] == "patient-1"
        assert sorted(roster(api, room["id"])) == ["clinician-1", "patient-1"]
        assert waiting(api, room["id"]) == []


def test_a_denied_patient_is_disconnected_and_their_link_gets_nothing_again(api, stack):
    room = api.create_room(waiting_room=True)
    patient = api.mint(room["id"], "patient-2", role="patient")
    with BotProcess() as pat:
        assert pat.connect(patient["url"], patient["token"], watch=True)["event"] == "connected"
        wait_until(lambda: waiting(api, room["id"]) == ["patient-2"])
        response = api.post(
            f"/rooms/{room['id']}/waiting/patient-2/deny", json={"message": "Please book another slot."}
        )
        assert response.get_json()["data"] == {"identity": "patient-2", "status": "denied"}
        assert pat.wait_for("disconnected", timeout=10)["event"] == "disconnected"
    with BotProcess() as again:
        again.connect(patient["url"], patient["token"], watch=True)
        # LiveKit lets the old token in; Switchboard removes it as soon as it hears of the join.
        assert again.wait_for("disconnected", timeout=10)["event"] == "disconnected"
    assert waiting(api, room["id"]) == [] and roster(api, room["id"]) == []
    assert api.post(f"/rooms/{room['id']}/waiting/patient-2/admit").status_code == 404


def test_a_room_with_ends_at_closes_on_time_and_disconnects_everyone(api, stack, job_worker):
    ends_at = datetime.now(UTC) + timedelta(seconds=6)
    room = api.create_room(ends_at=ends_at.isoformat().replace("+00:00", "Z"))
    token = api.mint(room["id"], "clinician-3", role="host")
    with BotProcess() as doctor:
        assert doctor.connect(token["url"], token["token"])["event"] == "connected"
        assert doctor.wait_for("disconnected", timeout=20)["event"] == "disconnected"
        closed_late = (datetime.now(UTC) - ends_at).total_seconds()
    current = room_of(api, room["id"])
    assert current["status"] == "closed"
    assert -0.5 < closed_late < 5, closed_late


def test_a_token_with_eject_at_expiry_removes_its_holder_when_it_expires(api, stack, job_worker):
    room = api.create_room()
    token = api.mint(room["id"], "patient-4", ttl_seconds=60, eject_at_expiry=True)
    with BotProcess() as pat:
        assert pat.connect(token["url"], token["token"])["event"] == "connected"
        wait_until(lambda: roster(api, room["id"]) == ["patient-4"])
        # The shortest token lives a minute: bring its ejection forward to 3 s from now.
        due = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=3)
        job = db.session.scalar(db.select(Job).where(Job.kind == "tokens.eject"))
        job.run_at = due
        db.session.commit()
        assert pat.wait_for("disconnected", timeout=20)["event"] == "disconnected"
        ejected_late = (datetime.now(UTC).replace(tzinfo=None) - due).total_seconds()
    assert ejected_late < 5, ejected_late
    wait_until(lambda: roster(api, room["id"]) == [])

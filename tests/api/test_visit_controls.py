"""Visit controls through the API: room fields, waiting tokens, scheduled jobs, refusals."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from switchboard.extensions import db
from switchboard.models import Job


def soon(seconds: int = 600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def claims(data: dict) -> dict:
    return jwt.decode(data["token"], options={"verify_signature": False})


def test_rooms_carry_the_visit_controls_with_defaults(api):
    plain = api.create_room()
    assert (plain["waiting_room"], plain["ends_at"], plain["recording_consent"]) == (False, None, "notice")
    room = api.create_room(waiting_room=True, ends_at=soon(), recording_consent="required")
    assert room["waiting_room"] is True and room["recording_consent"] == "required"
    assert room["ends_at"].endswith("Z")
    job = db.session.scalar(db.select(Job).where(Job.kind == "rooms.end"))
    assert job.payload["room_id"] == room["id"]


@pytest.mark.parametrize(
    "fields, param",
    [
        ({"ends_at": "2020-01-01T00:00:00Z"}, "room.ends_at"),
        ({"ends_at": "2030-01-01T00:00:00"}, "room.ends_at"),
        ({"ends_at": "tomorrow"}, "room.ends_at"),
        ({"recording_consent": "maybe"}, "room.recording_consent"),
        ({"waiting_room": "yes"}, "room.waiting_room"),
    ],
)
def test_bad_visit_controls_are_a_422_naming_the_field(api, fields, param):
    body = {"room": {"name": "Visit", "capabilities": ["video"], **fields}}
    response = api.post("/rooms", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["param"] == param
    assert api.get("/rooms").get_json()["data"] == []


def test_changing_ends_at_reschedules_and_null_clears_it(api):
    room = api.create_room(ends_at=soon())
    later = soon(1200)
    patched = api.patch(f"/rooms/{room['id']}", json={"room": {"ends_at": later}}).get_json()["data"]
    assert patched["ends_at"] == later.split(".")[0].removesuffix("Z") + "Z"
    assert db.session.scalar(db.select(db.func.count()).select_from(Job).where(Job.kind == "rooms.end")) == 2
    cleared = api.patch(f"/rooms/{room['id']}", json={"room": {"ends_at": None}}).get_json()["data"]
    assert cleared["ends_at"] is None


def test_in_a_waiting_room_only_hosts_and_admitting_roles_join_directly(api):
    room = api.create_room(waiting_room=True, roles={"nurse": {"admit": True}})
    patient = claims(api.mint(room["id"], "patient-1", role="patient"))
    host = claims(api.mint(room["id"], "clinician-1", role="host"))
    nurse = claims(api.mint(room["id"], "nurse-1", role="nurse"))
    assert patient["video"]["hidden"] is True
    assert (
        patient["video"]["canPublish"],
        patient["video"]["canSubscribe"],
        patient["video"]["canPublishData"],
    ) == (
        False,
        False,
        False,
    )
    assert patient["attributes"]["switchboard.waiting"] == "true"
    for other in (host, nurse):
        assert not other["video"].get("hidden") and "switchboard.waiting" not in other["attributes"]


def test_realtime_info_tells_a_waiting_page_so_and_the_chat_refuses_it(api, client):
    room = api.create_room(waiting_room=True)
    token = api.mint(room["id"], "patient-1", role="patient")["token"]
    info = client.get(f"/api/v1/realtime/info?token={token}").get_json()["data"]
    assert info["waiting"] is True and info["can_publish"] == ["camera", "microphone", "screen_share"]


def test_admitting_or_denying_someone_who_is_not_waiting_is_a_404(api):
    room = api.create_room(waiting_room=True)
    for action in ("admit", "deny"):
        response = api.post(f"/rooms/{room['id']}/waiting/nobody/{action}")
        assert response.status_code == 404 and response.get_json()["error"]["param"] == "identity"
    assert api.get(f"/rooms/{room['id']}/waiting").get_json() == {
        "data": [],
        "has_more": False,
        "next_cursor": None,
    }


def test_a_token_with_eject_at_expiry_queues_its_ejection_at_expiry(api):
    room = api.create_room()
    data = api.mint(room["id"], "patient-1", ttl_seconds=120, eject_at_expiry=True)
    job = db.session.scalar(db.select(Job).where(Job.kind == "tokens.eject"))
    assert job.run_at.isoformat(timespec="seconds") + "Z" == data["expires_at"]
    api.mint(room["id"], "patient-2")
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Job).where(Job.kind == "tokens.eject")) == 1
    )

"""Participants, sessions, purge and the audit log through the API (LiveKit unreachable here).

Joins and leaves are delivered as signed LiveKit webhooks; the real-server tests are in
tests/e2e/livekit/.
"""

import json

import pytest

from switchboard.extensions import db
from switchboard.models import AuditEntry, ChatMessage, Event, Job, JoinToken, Participant, Session
from switchboard.plumbing.identities import hash_identity
from switchboard.services import chat
from tests.support.livekit_signing import deliver, event_body, join


@pytest.fixture
def app_config():
    return {"LIVEKIT_API_URL": "http://127.0.0.1:9", "LIVEKIT_TIMEOUT": 1.0}


def roster(api, room_id, **params):
    response = api.get(f"/rooms/{room_id}/participants", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_new_room_has_nobody_connected(api):
    room = api.create_room()
    assert roster(api, room["id"]) == {"data": [], "has_more": False, "next_cursor": None}
    assert api.get(f"/rooms/{room['id']}/sessions").get_json()["data"] == []


def test_another_projects_participants_and_sessions_are_404(app, api, other_api):
    room = api.create_room()
    join(api, app, room["id"], "patient-1")
    session_id = api.get(f"/rooms/{room['id']}/sessions").get_json()["data"][0]["id"]
    assert other_api.get(f"/rooms/{room['id']}/participants").status_code == 404
    assert other_api.get(f"/rooms/{room['id']}/sessions").status_code == 404
    assert other_api.get(f"/sessions/{session_id}").status_code == 404
    assert other_api.delete(f"/rooms/{room['id']}/participants/patient-1").status_code == 404
    assert api.get(f"/sessions/{session_id}").get_json()["data"]["room_id"] == room["id"]


def test_roster_pages_newest_joined_first(app, api):
    room = api.create_room()
    for name in ("a", "b", "c"):
        join(api, app, room["id"], name)
    first = roster(api, room["id"], limit=2)
    assert first["has_more"] is True
    second = roster(api, room["id"], limit=2, cursor=first["next_cursor"])
    names = [p["identity"] for p in first["data"] + second["data"]]
    assert sorted(names) == ["a", "b", "c"] and len(set(names)) == 3
    assert second["has_more"] is False
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["participant_count"] == 3


def test_rejoining_with_the_same_identity_is_one_roster_entry(app, api):
    room = api.create_room()
    join(api, app, room["id"], "a", sid="PA_1")
    join(api, app, room["id"], "a", sid="PA_2")
    assert [p["identity"] for p in roster(api, room["id"])["data"]] == ["a"]
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["participant_count"] == 1


def test_removal_when_livekit_is_unreachable_is_503_and_changes_nothing(app, api):
    room = api.create_room()
    join(api, app, room["id"], "patient-1")
    events_before = db.session.scalar(db.select(db.func.count()).select_from(Participant))
    response = api.delete(f"/rooms/{room['id']}/participants/patient-1")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["type"] == "unavailable" and "LiveKit" in error["message"]
    db.session.expire_all()
    assert db.session.scalar(db.select(JoinToken)).revoked_at is None
    assert [p["identity"] for p in roster(api, room["id"])["data"]] == ["patient-1"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == events_before


def test_removing_from_a_closed_room_is_404(api):
    room = api.create_room()
    api.delete(f"/rooms/{room['id']}")
    assert api.delete(f"/rooms/{room['id']}/participants/anyone").status_code == 404


def test_closing_ends_everyones_time_log_and_queues_the_livekit_deletion(app, api):
    room = api.create_room()
    join(api, app, room["id"], "a")
    join(api, app, room["id"], "b")
    response = api.delete(f"/rooms/{room['id']}")
    assert response.status_code == 200
    assert response.get_json()["data"]["participant_count"] == 0
    assert roster(api, room["id"])["data"] == []
    session = api.get(f"/rooms/{room['id']}/sessions").get_json()["data"][0]
    assert session["ended_at"] is not None
    assert {(p["identity"], p["left_reason"]) for p in session["participants"]} == {
        ("a", "room_closed"),
        ("b", "room_closed"),
    }
    job = db.session.scalar(db.select(Job).where(Job.kind == "livekit.delete_room"))
    assert job.payload == {"room_id": room["id"]} and job.status == "queued"
    # LiveKit's own leave webhooks arriving afterwards change nothing.
    deliver(api.client, app, event_body("participant_left", room["id"], identity="a", sid="PA_a"))
    deliver(api.client, app, event_body("room_finished", room["id"]))
    assert len(api.get(f"/rooms/{room['id']}/sessions").get_json()["data"]) == 1


def test_new_livekit_room_instance_starts_a_new_session(app, api):
    room = api.create_room()
    join(api, app, room["id"], "a", room_sid="RM_1")
    join(api, app, room["id"], "b", room_sid="RM_2")  # LiveKit restarted and recreated the room
    sessions = api.get(f"/rooms/{room['id']}/sessions").get_json()["data"]
    assert len(sessions) == 2
    newest, oldest = sessions
    assert [p["identity"] for p in newest["participants"]] == ["b"] and newest["ended_at"] is None
    assert oldest["ended_at"] is not None and oldest["participants"][0]["left_reason"] == "reconciled"


def test_patching_metadata_of_an_active_room_queues_a_livekit_update(app, api):
    idle = api.create_room()
    api.patch(f"/rooms/{idle['id']}", json={"room": {"metadata": {"a": 1}}})
    assert db.session.scalar(db.select(Job).where(Job.kind == "livekit.update_room")) is None
    active = api.create_room()
    join(api, app, active["id"], "a")
    assert api.patch(f"/rooms/{active['id']}", json={"room": {"metadata": {"a": 2}}}).status_code == 200
    job = db.session.scalar(db.select(Job).where(Job.kind == "livekit.update_room"))
    assert job.payload == {"room_id": active["id"]}


def test_purge_needs_a_closed_room(api):
    room = api.create_room()
    response = api.post(f"/rooms/{room['id']}/purge")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "room_not_closed"


def test_purge_erases_chat_sessions_participants_and_tokens_but_keeps_a_hashed_audit_log(app, api):
    room = api.create_room(metadata={"mrn": "MRN-55501"})
    other = api.create_room()
    join(api, app, room["id"], "patient-9182", name="Pat Doe", metadata={"dob": "1970-01-01"})
    join(api, app, other["id"], "patient-9182")
    for target in (room, other):
        token = api.post(f"/rooms/{target['id']}/tokens", json={"identity": "patient-9182"}).get_json()[
            "data"
        ]
        sender, _record, _room = chat.admit(token["token"], chat=True)
        chat.post_message(target["id"], sender, "my chest hurts since Tuesday")
        db.session.commit()
    api.delete(f"/rooms/{room['id']}")
    response = api.post(f"/rooms/{room['id']}/purge")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"] == {
        "room_id": room["id"],
        "status": "purged",
        # participant.joined, participant.left (on close) and message.created lose their payloads
        "erased": {
            "messages": 1,
            "events": 3,
            "participants": 1,
            "waiting": 0,
            "consents": 0,
            "sessions": 1,
            "tokens": 2,
        },
    }
    for model in (Participant, Session, JoinToken, ChatMessage):
        rows = db.session.scalars(db.select(model)).all()
        assert {row.room_id for row in rows} == {other["id"]}
    assert api.get(f"/rooms/{room['id']}/sessions").get_json()["data"] == []
    assert api.get(f"/rooms/{room['id']}/messages").get_json()["data"] == []
    events = {e.id: e for e in db.session.scalars(db.select(Event))}
    purged = [e for e in events.values() if e.data.get("room_id") == room["id"]]
    assert "patient-9182" not in json.dumps([e.data for e in purged])
    assert "chest hurts" not in json.dumps([e.data for e in purged])
    assert {e.type for e in purged} >= {"room.created", "room.closed", "message.created"}
    # The other room's records and events are untouched.
    assert "chest hurts" in json.dumps(
        [e.data for e in events.values() if e.data.get("room_id") == other["id"]]
    )

    entries = list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.room_id == room["id"])))
    actions = {e.action for e in entries}
    assert {"room.created", "token.created", "participant.joined", "room.closed", "room.purged"} <= actions
    dumped = json.dumps([[e.action, e.actor, e.identity_hash, e.detail] for e in entries])
    for secret in ("patient-9182", "Pat Doe", "MRN-55501", "1970-01-01", "eyJ"):
        assert secret not in dumped
    joined = next(e for e in entries if e.action == "participant.joined")
    assert joined.identity_hash == hash_identity("patient-9182")

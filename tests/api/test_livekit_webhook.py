"""LiveKit webhooks: only signed, fresh deliveries count; they drive the room's lifecycle."""

import jwt
import pytest
from livekit.protocol import models

from switchboard.extensions import db
from switchboard.models import AuditEntry, Event, Job, Participant
from tests.support.livekit_signing import event_body, sign, sign_stale


@pytest.fixture
def app_config():
    # Nothing listens here: calls LiveKit would get are refused at once.
    return {"LIVEKIT_API_URL": "http://127.0.0.1:9", "LIVEKIT_TIMEOUT": 1.0}


def post(client, body, auth):
    headers = {"Content-Type": "application/webhook+json"}
    if auth is not None:
        headers["Authorization"] = auth
    return client.post("/livekit/webhook", data=body, headers=headers)


def keys(app):
    return app.config["LIVEKIT_API_KEY"], app.config["LIVEKIT_API_SECRET"]


def mint(api, room_id, identity="patient-1", **body):
    """The claims of a fresh join token (what LiveKit copies into its webhooks)."""
    return jwt.decode(api.mint(room_id, identity, **body)["token"], options={"verify_signature": False})


def test_unsigned_webhook_is_401(client):
    response = post(client, event_body("room_started", "rm_x"), None)
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "unauthorized"


def test_webhook_signed_with_another_secret_is_401(app, client):
    body = event_body("room_started", "rm_x")
    assert post(client, body, sign(body, app.config["LIVEKIT_API_KEY"], "x" * 40)).status_code == 401


def test_webhook_whose_body_was_changed_is_401(app, client):
    body = event_body("room_started", "rm_x")
    auth = sign(body, *keys(app))
    assert post(client, body.replace("rm_x", "rm_y"), auth).status_code == 401


def test_stale_webhook_is_401(app, client):
    body = event_body("room_started", "rm_x")
    assert post(client, body, sign_stale(body, *keys(app), age_seconds=400)).status_code == 401


def test_signed_webhook_for_an_unknown_room_is_accepted_and_ignored(app, client):
    body = event_body("participant_joined", "rm_unknown", identity="a", token_id="tok_x")
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == 0


def test_join_with_a_valid_token_activates_the_room_and_lists_the_participant(app, client, api):
    room = api.create_room()
    claims = mint(api, room["id"], name="Pat")
    token_id = claims["attributes"]["switchboard.token_id"]
    body = event_body("participant_joined", room["id"], identity="patient-1", sid="PA_1", token_id=token_id)
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "active"

    track = models.TrackInfo(sid="TR_1", type=models.TrackType.VIDEO, source=models.TrackSource.CAMERA)
    body = event_body(
        "track_published", room["id"], identity="patient-1", sid="PA_1", token_id=token_id, track=track
    )
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    roster = api.get(f"/rooms/{room['id']}/participants").get_json()["data"]
    assert [(p["identity"], p["role"], p["state"]) for p in roster] == [
        ("patient-1", "participant", "active")
    ]
    assert roster[0]["tracks"] == [{"sid": "TR_1", "kind": "video", "source": "camera", "muted": False}]
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["participant_count"] == 1
    types = [e.type for e in db.session.scalars(db.select(Event).order_by(Event.created_at))]
    assert "room.started" in types and "participant.joined" in types

    body = event_body("participant_left", room["id"], identity="patient-1", sid="PA_1", token_id=token_id)
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert api.get(f"/rooms/{room['id']}/participants").get_json()["data"] == []
    sessions = api.get(f"/rooms/{room['id']}/sessions").get_json()["data"]
    assert len(sessions) == 1 and sessions[0]["ended_at"] is None
    log = sessions[0]["participants"]
    assert [(p["identity"], p["left_reason"]) for p in log] == [("patient-1", "left")]


def test_duplicate_join_webhooks_record_one_connection(app, client, api):
    room = api.create_room()
    token_id = mint(api, room["id"])["attributes"]["switchboard.token_id"]
    body = event_body("participant_joined", room["id"], identity="patient-1", sid="PA_1", token_id=token_id)
    for _ in range(2):
        assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == 1
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Event).where(Event.type == "room.started"))
        == 1
    )


def test_join_with_a_revoked_token_is_refused_and_queued_for_removal_when_livekit_is_down(app, client, api):
    room = api.create_room()
    token_id = mint(api, room["id"])["attributes"]["switchboard.token_id"]
    from switchboard.services import tokens

    tokens.revoke_room(db.session.get(__import__("switchboard.models", fromlist=["Room"]).Room, room["id"]))
    db.session.commit()
    body = event_body("participant_joined", room["id"], identity="patient-1", sid="PA_1", token_id=token_id)
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert api.get(f"/rooms/{room['id']}/participants").get_json()["data"] == []
    assert api.get(f"/rooms/{room['id']}").get_json()["data"]["status"] == "idle"
    kinds = [j.kind for j in db.session.scalars(db.select(Job))]
    assert "livekit.reconcile_room" in kinds
    refused = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "participant.refused"))
    assert refused is not None and "patient-1" not in repr(refused.__dict__)


def test_join_with_a_forged_token_id_is_refused(app, client, api):
    room = api.create_room()
    body = event_body(
        "participant_joined", room["id"], identity="intruder", sid="PA_9", token_id="tok_made_up"
    )
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    assert api.get(f"/rooms/{room['id']}/participants").get_json()["data"] == []


def test_room_finished_closes_an_active_room(app, client, api):
    room = api.create_room()
    token_id = mint(api, room["id"])["attributes"]["switchboard.token_id"]
    for event in ("participant_joined", "participant_left"):
        body = event_body(event, room["id"], identity="patient-1", sid="PA_1", token_id=token_id)
        post(client, body, sign(body, *keys(app)))
    body = event_body("room_finished", room["id"])
    assert post(client, body, sign(body, *keys(app))).status_code == 200
    data = api.get(f"/rooms/{room['id']}").get_json()["data"]
    assert data["status"] == "closed" and data["closed_at"]
    assert api.get(f"/rooms/{room['id']}/sessions").get_json()["data"][0]["ended_at"] is not None

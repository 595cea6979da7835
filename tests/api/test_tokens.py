"""Join tokens: grants follow role, room policy and capabilities; TTL; join_url; revocation."""

import re
import time

import jwt
import pytest

from switchboard.extensions import db
from switchboard.models import JoinToken
from switchboard.services import tokens


def claims_of(app, token: str) -> dict:
    return jwt.decode(
        token, app.config["LIVEKIT_API_SECRET"], algorithms=["HS256"], issuer=app.config["LIVEKIT_API_KEY"]
    )


def test_mint_returns_the_contract_fields(app, api):
    room = api.create_room()
    data = api.mint(room["id"], role="patient", ttl_seconds=3600)
    assert set(data) == {"token", "url", "expires_at", "join_url", "identity", "role"}
    assert data["identity"] == "patient-9182"
    assert data["role"] == "patient"
    assert data["url"] == app.config["LIVEKIT_URL"]
    assert data["join_url"] == f"http://switchboard.test/join/{room['id']}#token={data['token']}"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", data["expires_at"])


def test_token_is_a_livekit_token_for_one_room_and_identity(app, api):
    room = api.create_room()
    data = api.mint(room["id"], name="Pat Doe", ttl_seconds=600)
    claims = claims_of(app, data["token"])
    assert claims["sub"] == "patient-9182"
    assert claims["name"] == "Pat Doe"
    assert claims["video"]["room"] == room["id"]
    assert claims["video"]["roomJoin"] is True
    assert claims["video"]["canUpdateOwnMetadata"] is False
    assert claims["attributes"]["switchboard.token_id"].startswith("tok_")
    assert 595 <= claims["exp"] - time.time() <= 600


def test_default_role_is_participant_with_one_hour_ttl(app, api):
    room = api.create_room()
    data = api.mint(room["id"])
    claims = claims_of(app, data["token"])
    assert data["role"] == "participant"
    assert 3590 <= claims["exp"] - time.time() <= 3600
    assert set(claims["video"]["canPublishSources"]) == {
        "camera",
        "microphone",
        "screen_share",
        "screen_share_audio",
    }


def test_viewer_cannot_publish(app, api):
    room = api.create_room()
    video = claims_of(app, api.mint(room["id"], role="viewer")["token"])["video"]
    assert video["canPublish"] is False
    assert video.get("canPublishSources", []) == []
    assert video["canSubscribe"] is True


def test_host_publishes_everything_and_moderates(app, api):
    room = api.create_room()
    claims = claims_of(app, api.mint(room["id"], role="host")["token"])
    assert claims["video"]["canPublish"] is True
    assert claims["attributes"]["switchboard.moderate"] == "true"


def test_audio_only_room_grants_no_camera(app, api):
    room = api.create_room(capabilities=["audio", "chat"])
    for role in ("host", "participant", "clinician"):
        video = claims_of(app, api.mint(room["id"], role=role)["token"])["video"]
        assert video["canPublishSources"] == ["microphone"]


def test_chat_only_room_grants_no_media_publishing(app, api):
    room = api.create_room(capabilities=["chat"])
    video = claims_of(app, api.mint(room["id"], role="host")["token"])["video"]
    assert video["canPublish"] is False


def test_room_roles_policy_defines_a_role_and_capabilities_still_cap_it(app, api):
    room = api.create_room(
        capabilities=["audio", "chat"],
        roles={"patient": {"publish": ["camera", "microphone"], "chat": False}, "observer": {"publish": []}},
    )
    patient = claims_of(app, api.mint(room["id"], role="patient")["token"])
    assert patient["video"]["canPublishSources"] == ["microphone"]  # no `video` capability: no camera
    assert patient["attributes"]["switchboard.chat"] == "false"
    observer = claims_of(app, api.mint(room["id"], identity="obs-1", role="observer")["token"])
    assert observer["video"]["canPublish"] is False


@pytest.mark.parametrize(
    "body, param",
    [
        ({}, "identity"),
        ({"identity": ""}, "identity"),
        ({"identity": "x" * 129}, "identity"),
        ({"identity": "has space"}, "identity"),
        ({"identity": "emoji-😀"}, "identity"),
        ({"identity": "a", "ttl_seconds": 59}, "ttl_seconds"),
        ({"identity": "a", "ttl_seconds": 86401}, "ttl_seconds"),
        ({"identity": "a", "ttl_seconds": "3600"}, "ttl_seconds"),
        ({"identity": "a", "role": "Host!"}, "role"),
        ({"identity": "a", "metadata": {"k": "v" * 5000}}, "metadata"),
        ({"identity": "a", "grants": {"room_admin": True}}, "grants"),
    ],
)
def test_bad_token_requests_are_422_and_store_nothing(app, api, body, param):
    room = api.create_room()
    response = api.post(f"/rooms/{room['id']}/tokens", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["param"] == param
    assert db.session.scalar(db.select(db.func.count()).select_from(JoinToken)) == 0


def test_identity_accepts_the_documented_characters(api):
    room = api.create_room()
    assert api.mint(room["id"], identity="Dr.Who:clinic@north_1-2")["identity"] == "Dr.Who:clinic@north_1-2"


def test_minting_in_a_closed_room_is_409(api):
    room = api.create_room()
    api.delete(f"/rooms/{room['id']}")
    response = api.post(f"/rooms/{room['id']}/tokens", json={"identity": "a"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "room_closed"


def test_minting_in_another_projects_room_is_404(api, other_api):
    room = api.create_room()
    assert other_api.post(f"/rooms/{room['id']}/tokens", json={"identity": "a"}).status_code == 404


def test_tokens_are_stored_without_the_identity_in_the_clear(app, api):
    room = api.create_room()
    data = api.mint(room["id"], identity="patient-9182")
    record = db.session.scalar(db.select(JoinToken))
    assert "patient-9182" not in repr(record.__dict__)
    assert record.identity_hash != "patient-9182" and len(record.identity_hash) == 64
    assert record.id == claims_of(app, data["token"])["attributes"]["switchboard.token_id"]


def test_authenticate_accepts_a_live_token_and_refuses_revoked_and_forged_ones(app, api):
    room = api.create_room()
    token = api.mint(room["id"])["token"]
    claims, record = tokens.authenticate(token)
    assert (claims.identity, claims.room_id) == ("patient-9182", room["id"])

    forged = jwt.encode({**claims_of(app, token), "sub": "someone-else"}, app.config["LIVEKIT_API_SECRET"])
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(forged)
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(jwt.encode(claims_of(app, token), "not-the-secret-" * 3))
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate("not.a.jwt")

    api.delete(f"/rooms/{room['id']}")  # closing revokes every token of the room
    db.session.expire_all()
    with pytest.raises(tokens.TokenRejected, match="revoked"):
        tokens.authenticate(token)


def test_authenticate_refuses_an_expired_token(app, api):
    room = api.create_room()
    token = api.mint(room["id"], ttl_seconds=60)["token"]
    expired = jwt.encode(
        {**claims_of(app, token), "exp": int(time.time()) - 1}, app.config["LIVEKIT_API_SECRET"]
    )
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(expired)


def test_mint_is_idempotent_under_a_key(api):
    room = api.create_room()
    first = api.post(f"/rooms/{room['id']}/tokens", json={"identity": "a"}, headers={"Idempotency-Key": "t1"})
    second = api.post(
        f"/rooms/{room['id']}/tokens", json={"identity": "a"}, headers={"Idempotency-Key": "t1"}
    )
    assert first.get_json() == second.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(JoinToken)) == 1

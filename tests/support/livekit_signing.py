"""Build LiveKit webhook deliveries signed the way livekit-server signs them."""

import base64
import hashlib
import time
import uuid
from datetime import timedelta

import jwt
from google.protobuf.json_format import MessageToJson
from livekit import api as lk
from livekit.protocol import models, webhook

from switchboard.livekit.tokens import ATTR_ROLE, ATTR_TOKEN_ID


def event_body(
    event: str,
    room_id: str,
    *,
    room_sid="RM_test",
    identity=None,
    sid=None,
    token_id=None,
    role="participant",
    track=None,
) -> str:
    message = webhook.WebhookEvent(
        event=event,
        id="EV_" + uuid.uuid4().hex[:10],
        created_at=int(time.time()),
        room=models.Room(name=room_id, sid=room_sid),
    )
    if identity is not None:
        message.participant.CopyFrom(
            models.ParticipantInfo(
                sid=sid or "PA_" + identity,
                identity=identity,
                name=identity,
                joined_at=int(time.time()),
                state=models.ParticipantInfo.ACTIVE,
                attributes={ATTR_TOKEN_ID: token_id or "", ATTR_ROLE: role},
            )
        )
    if track is not None:
        message.track.CopyFrom(track)
    return MessageToJson(message)


def sign(body: str, key: str, secret: str, *, ttl=timedelta(minutes=5)) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return lk.AccessToken(key, secret).with_sha256(digest).with_ttl(ttl).to_jwt()


def sign_stale(body: str, key: str, secret: str, *, age_seconds: int) -> str:
    """A signature made `age_seconds` ago (still unexpired, to prove age alone is refused)."""
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    now = int(time.time())
    claims = {
        "iss": key,
        "nbf": now - age_seconds,
        "iat": now - age_seconds,
        "exp": now + 60,
        "sha256": digest,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def deliver(client, app, body: str):
    """POST a delivery to the app's receiver, signed with the app's LiveKit key."""
    auth = sign(body, app.config["LIVEKIT_API_KEY"], app.config["LIVEKIT_API_SECRET"])
    response = client.post(
        "/livekit/webhook",
        data=body,
        headers={"Content-Type": "application/webhook+json", "Authorization": auth},
    )
    assert response.status_code == 200, response.get_json()
    return response


def join(api, app, room_id: str, identity: str, *, sid: str | None = None, room_sid="RM_test", **token_body):
    """Mint a token for `identity` and deliver LiveKit's `participant_joined` for it."""
    response = api.post(f"/rooms/{room_id}/tokens", json={"identity": identity, **token_body})
    assert response.status_code == 201, response.get_json()
    claims = jwt.decode(response.get_json()["data"]["token"], options={"verify_signature": False})
    token_id = claims["attributes"][ATTR_TOKEN_ID]
    body = event_body(
        "participant_joined",
        room_id,
        room_sid=room_sid,
        identity=identity,
        sid=sid or "PA_" + identity,
        token_id=token_id,
        role=claims["attributes"][ATTR_ROLE],
    )
    deliver(api.client, app, body)
    return token_id

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

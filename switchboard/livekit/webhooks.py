"""Webhooks LiveKit sends us: verified with the SDK's `WebhookReceiver`, returned as plain data.

LiveKit signs each delivery with a JWT (our API key/secret) whose `sha256` claim is the hash
of the body, valid for 5 minutes. Anything unsigned, tampered with or stale is refused.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from flask import current_app
from google.protobuf.json_format import ParseError
from livekit import api as lk

from switchboard.livekit.client import Participant, Track, participant_from_proto, track_from_proto
from switchboard.livekit.egress import Egress, egress_from_proto

MAX_AGE_SECONDS = 300
LEEWAY = timedelta(seconds=10)


class InvalidWebhook(Exception):
    """Not a delivery we can trust; the message is safe to return to the sender."""


@dataclass(frozen=True)
class LiveKitEvent:
    id: str
    event: str
    room_name: str
    room_sid: str
    participant: Participant | None
    track: Track | None
    created_at: int
    egress: Egress | None = None  # egress_started / egress_updated / egress_ended


def receive(body: str, authorization: str | None) -> LiveKitEvent:
    """Verify the signature and freshness of a delivery and parse it."""
    if not authorization:
        raise InvalidWebhook("Missing Authorization header.")
    token = authorization.removeprefix("Bearer ").strip()
    config = current_app.config
    verifier = lk.TokenVerifier(config["LIVEKIT_API_KEY"], config["LIVEKIT_API_SECRET"], leeway=LEEWAY)
    try:
        issued = _issued_at(token)
        if issued is None or issued < time.time() - MAX_AGE_SECONDS - LEEWAY.total_seconds():
            raise InvalidWebhook("The webhook signature is stale.")
        event = lk.WebhookReceiver(verifier).receive(body, token)
    except InvalidWebhook:
        raise
    except (jwt.PyJWTError, ValueError, TypeError, ParseError):
        raise InvalidWebhook("The webhook signature is invalid.") from None
    except Exception as exc:  # the SDK raises bare Exception for a missing or wrong sha256
        raise InvalidWebhook("The webhook signature does not match the body.") from exc
    participant = participant_from_proto(event.participant) if event.HasField("participant") else None
    track = track_from_proto(event.track) if event.HasField("track") else None
    return LiveKitEvent(
        id=event.id,
        event=event.event,
        room_name=event.room.name if event.HasField("room") else "",
        room_sid=event.room.sid if event.HasField("room") else "",
        participant=participant,
        track=track,
        created_at=int(event.created_at or 0),
        egress=egress_from_proto(event.egress_info) if event.HasField("egress_info") else None,
    )


def _issued_at(token: str) -> float | None:
    """When LiveKit signed the delivery (`nbf`, else `iat`), read before the signature check."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidWebhook("The webhook signature is invalid.") from None
    value = claims.get("nbf", claims.get("iat"))
    return float(value) if isinstance(value, int | float) else None

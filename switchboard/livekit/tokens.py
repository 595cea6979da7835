"""LiveKit access tokens: minting join tokens and verifying them (for the chat socket)."""

from dataclasses import dataclass
from datetime import timedelta

import jwt
from flask import current_app
from livekit import api as lk

# Switchboard's own claims ride in the token's participant attributes, which LiveKit copies
# into ParticipantInfo (and so into webhooks). `can_update_own_metadata` stays off so a
# client cannot rewrite them.
ATTR_TOKEN_ID = "switchboard.token_id"
ATTR_ROLE = "switchboard.role"
ATTR_CHAT = "switchboard.chat"
ATTR_MODERATE = "switchboard.moderate"
ATTR_WAITING = "switchboard.waiting"

SCREEN_SOURCES = {"screen_share": ["screen_share", "screen_share_audio"]}


@dataclass(frozen=True)
class Grant:
    """What a token lets its holder do, already capped by the room's capabilities."""

    publish: tuple[str, ...]
    subscribe: bool
    chat: bool
    moderate: bool
    # In a waiting room until admitted: hidden, and no publishing, subscribing or data.
    waiting: bool = False


def publish_sources(grant: Grant) -> list[str]:
    """LiveKit's track sources for what the grant may publish."""
    sources: list[str] = []
    for source in grant.publish:
        sources.extend(SCREEN_SOURCES.get(source, [source]))
    return sources


@dataclass(frozen=True)
class VerifiedToken:
    token_id: str
    identity: str
    name: str
    room_id: str
    role: str
    chat: bool
    moderate: bool
    waiting: bool = False


@dataclass(frozen=True)
class RoomSettings:
    """How LiveKit must create the room if this token's holder is the first to join."""

    max_participants: int
    departure_timeout: int
    empty_timeout: int
    metadata: str


class InvalidToken(Exception):
    """The token is not one we minted, or has expired."""


def mint(
    *,
    token_id: str,
    room_id: str,
    identity: str,
    name: str | None,
    role: str,
    grant: Grant,
    ttl_seconds: int,
    metadata: str | None,
    room_settings: RoomSettings | None = None,
) -> str:
    """A LiveKit join token (HS256, Switchboard's LiveKit key) for one identity in one room."""
    sources = [] if grant.waiting else publish_sources(grant)
    grants = lk.VideoGrants(
        room_join=True,
        room=room_id,
        can_publish=bool(sources),
        can_publish_sources=sources,
        can_subscribe=grant.subscribe and not grant.waiting,
        can_publish_data=grant.chat and not grant.waiting,
        can_update_own_metadata=False,
        hidden=grant.waiting,
    )
    token = (
        lk.AccessToken(current_app.config["LIVEKIT_API_KEY"], current_app.config["LIVEKIT_API_SECRET"])
        .with_identity(identity)
        .with_name(name or identity)
        .with_ttl(timedelta(seconds=ttl_seconds))
        .with_attributes(
            {
                ATTR_TOKEN_ID: token_id,
                ATTR_ROLE: role,
                ATTR_CHAT: "true" if grant.chat else "false",
                ATTR_MODERATE: "true" if grant.moderate else "false",
                **({ATTR_WAITING: "true"} if grant.waiting else {}),
            }
        )
        .with_grants(grants)
    )
    if metadata:
        token = token.with_metadata(metadata)
    if room_settings is not None:
        # LiveKit auto-creates a missing room from the joining token's room config, so the
        # limits hold whichever token joins first and without a LiveKit call at mint time.
        token = token.with_room_config(
            lk.RoomConfiguration(
                name=room_id,
                max_participants=room_settings.max_participants,
                departure_timeout=room_settings.departure_timeout,
                empty_timeout=room_settings.empty_timeout,
                metadata=room_settings.metadata,
            )
        )
    return token.to_jwt()


def verify(token: str) -> VerifiedToken:
    """Check signature, issuer and expiry; return Switchboard's claims or raise InvalidToken."""
    verifier = lk.TokenVerifier(
        current_app.config["LIVEKIT_API_KEY"],
        current_app.config["LIVEKIT_API_SECRET"],
        leeway=timedelta(0),
    )
    try:
        claims = verifier.verify(token)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(type(exc).__name__) from None
    attributes = claims.attributes or {}
    token_id = attributes.get(ATTR_TOKEN_ID)
    if not token_id or claims.video is None or not claims.video.room:
        raise InvalidToken("not a Switchboard join token")
    return VerifiedToken(
        token_id=token_id,
        identity=claims.identity,
        name=claims.name,
        room_id=claims.video.room,
        role=attributes.get(ATTR_ROLE, "participant"),
        chat=attributes.get(ATTR_CHAT) == "true",
        moderate=attributes.get(ATTR_MODERATE) == "true",
        waiting=attributes.get(ATTR_WAITING) == "true",
    )


def expiry_of(token: str) -> int:
    """The `exp` (unix seconds) of a token we just minted."""
    return int(jwt.decode(token, options={"verify_signature": False})["exp"])

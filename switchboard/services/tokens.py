"""Join tokens: what a role may do in a room, minting, verifying and revoking.

Roles: `host` publishes everything and moderates; `viewer` only receives (media and chat);
any other role name gets participant rights. A room's `roles` policy can redefine any role,
and the room's capabilities cap every role (no `video`, no camera).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from switchboard.errors import conflict
from switchboard.extensions import db
from switchboard.livekit import tokens as lk_tokens
from switchboard.livekit.tokens import Grant, RoomSettings, VerifiedToken
from switchboard.models import JoinToken, Room
from switchboard.models.base import new_id, utcnow
from switchboard.services import audit, livekit_rooms
from switchboard.services.identities import hash_identity

ALL_SOURCES = ("camera", "microphone", "screen_share")
ROLE_DEFAULTS = {
    "host": Grant(publish=ALL_SOURCES, subscribe=True, chat=True, moderate=True),
    "viewer": Grant(publish=(), subscribe=True, chat=False, moderate=False),
}
PARTICIPANT = Grant(publish=ALL_SOURCES, subscribe=True, chat=True, moderate=False)


def allowed_sources(room: Room) -> set[str]:
    """Track sources the room's capabilities permit at all."""
    if room.has("video"):
        return set(ALL_SOURCES)
    if room.has("audio"):
        return {"microphone"}
    return set()


def grant_for(room: Room, role: str) -> Grant:
    """The rights of `role` in `room`: role default, then room policy, then capability cap."""
    grant = ROLE_DEFAULTS.get(role, PARTICIPANT)
    policy = (room.roles or {}).get(role)
    if policy:
        publish = grant.publish if policy.get("publish") is None else tuple(policy["publish"])
        grant = Grant(
            publish=publish,
            subscribe=policy.get("subscribe", True),
            chat=policy.get("chat", True),
            moderate=policy.get("moderate", False),
        )
    allowed = allowed_sources(room)
    return Grant(
        publish=tuple(s for s in ALL_SOURCES if s in grant.publish and s in allowed),
        subscribe=grant.subscribe,
        chat=grant.chat and room.has("chat"),
        moderate=grant.moderate,
    )


@dataclass(frozen=True)
class IssuedToken:
    record: JoinToken
    jwt: str
    identity: str


def issue_token(
    room: Room,
    *,
    identity: str,
    role: str = "participant",
    name: str | None = None,
    ttl_seconds: int = 3600,
    metadata: dict | None = None,
) -> IssuedToken:
    """Mint a join token for `identity` in `room` and record it for revocation."""
    if room.status == "closed":
        raise conflict("This room is closed; no one can join it.", code="room_closed")
    grant = grant_for(room, role)
    record = JoinToken(
        id=new_id("tok"),
        project_id=room.project_id,
        room_id=room.id,
        identity_hash=hash_identity(identity),
        role=role,
        grant={
            "publish": list(grant.publish),
            "subscribe": grant.subscribe,
            "chat": grant.chat,
            "moderate": grant.moderate,
        },
        created_at=utcnow(),
    )
    jwt = lk_tokens.mint(
        token_id=record.id,
        room_id=room.id,
        identity=identity,
        name=name,
        role=role,
        grant=grant,
        ttl_seconds=ttl_seconds,
        metadata=json.dumps(metadata, separators=(",", ":")) if metadata else None,
        room_settings=_room_settings(room),
    )
    record.expires_at = datetime.fromtimestamp(lk_tokens.expiry_of(jwt), UTC).replace(tzinfo=None)
    db.session.add(record)
    db.session.flush()
    audit.record(
        room.project_id,
        "token.created",
        room_id=room.id,
        identity=identity,
        detail={"token_id": record.id, "role": role, "ttl_seconds": ttl_seconds},
    )
    return IssuedToken(record=record, jwt=jwt, identity=identity)


def _room_settings(room: Room) -> RoomSettings:
    """The LiveKit room this token creates if it joins first: our limits and metadata.

    Our `empty_timeout` (how long the room stays open after the last one leaves) is
    LiveKit's `departure_timeout`; it also bounds LiveKit's wait for a first joiner.
    """
    return RoomSettings(
        max_participants=room.max_participants,
        departure_timeout=room.empty_timeout,
        empty_timeout=room.empty_timeout,
        metadata=livekit_rooms.metadata_string(room),
    )


class TokenRejected(Exception):
    """A join token that must not be honoured, with the reason (safe to show the holder)."""


def authenticate(jwt: str) -> tuple[VerifiedToken, JoinToken]:
    """Verify a join token end to end: signature, expiry, our record, revocation."""
    try:
        claims = lk_tokens.verify(jwt)
    except lk_tokens.InvalidToken:
        raise TokenRejected("The token is invalid or has expired.") from None
    record = db.session.get(JoinToken, claims.token_id)
    if (
        record is None
        or record.room_id != claims.room_id
        or record.identity_hash != hash_identity(claims.identity)
    ):
        raise TokenRejected("The token is not valid for this room.")
    if record.revoked_at is not None:
        raise TokenRejected("The token has been revoked.")
    if record.expires_at <= utcnow():
        raise TokenRejected("The token has expired.")
    return claims, record


def is_revoked(token_id: str) -> bool:
    """True when the token is unknown to us or revoked (used when LiveKit reports a join)."""
    record = db.session.get(JoinToken, token_id)
    return record is None or record.revoked_at is not None


def revoke_identity(room: Room, identity: str) -> int:
    """Revoke every token issued to `identity` in `room`; returns how many were live."""
    result = db.session.execute(
        db.update(JoinToken)
        .where(
            JoinToken.room_id == room.id,
            JoinToken.identity_hash == hash_identity(identity),
            JoinToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def revoke_room(room: Room) -> int:
    """Revoke every token of `room` (on close)."""
    result = db.session.execute(
        db.update(JoinToken)
        .where(JoinToken.room_id == room.id, JoinToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def purge_expired(older_than: datetime) -> int:
    """Delete token records that expired before `older_than` (they can no longer be used)."""
    result = db.session.execute(db.delete(JoinToken).where(JoinToken.expires_at < older_than))
    return result.rowcount or 0

"""Join tokens: minting them, the one rule that says whether one is still honoured, revoking.

LiveKit cannot revoke a token, so Switchboard keeps a record of every token it mints
(`JoinToken`, the identity only as a keyed hash) and checks that record wherever a token is
presented: the chat socket when it opens and while it stays open, `realtime/info`, and
every LiveKit join (webhook and reconciliation). `honoured` is that check, the only one.
"""

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from switchboard.errors import conflict
from switchboard.extensions import db
from switchboard.livekit import client as livekit
from switchboard.livekit import tokens as lk_tokens
from switchboard.livekit.tokens import RoomSettings, VerifiedToken
from switchboard.models import JoinToken, Room
from switchboard.models.base import new_id, utcnow
from switchboard.plumbing import audit
from switchboard.plumbing.identities import hash_identity
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.signals import token_revoked
from switchboard.plumbing.transactions import after_commit
from switchboard.services.tokens.grants import (
    allowed_sources,
    grant_for,
    has_media,
    may_admit,
    needs_admission,
)

__all__ = [
    "IssuedToken",
    "TokenRejected",
    "Verdict",
    "allowed_sources",
    "authenticate",
    "grant_for",
    "has_media",
    "admit_identity",
    "honoured",
    "load",
    "issue_token",
    "may_admit",
    "needs_admission",
    "revoke_token",
    "purge_expired",
    "revoke_identity",
    "revoke_room",
    "waiting",
]


@dataclass(frozen=True)
class IssuedToken:
    record: JoinToken
    jwt: str
    identity: str
    livekit_url: str
    join_url: str


def issue_token(
    room: Room,
    *,
    identity: str,
    role: str = "participant",
    name: str | None = None,
    ttl_seconds: int = 3600,
    metadata: dict | None = None,
    eject_at_expiry: bool = False,
) -> IssuedToken:
    """Mint a join token for `identity` in `room` and record it for revocation.

    In a room with a waiting room, a role that must be admitted gets a waiting token: it
    connects to LiveKit hidden, unable to publish, subscribe or send data, until admitted.
    With `eject_at_expiry` a `tokens.eject` job removes its holder when it expires.
    """
    if room.status == "closed":
        raise conflict("This room is closed; no one can join it.", code="room_closed")
    grant = dataclasses.replace(grant_for(room, role), waiting=needs_admission(room, role))
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
            **({"waiting": True} if grant.waiting else {}),
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
    # No flush: the id is ours, and the commit writes the token and its audit entry together.
    db.session.add(record)
    if eject_at_expiry:
        enqueue("tokens.eject", {"token_id": record.id}, run_at=record.expires_at)
    audit.record(
        room.project_id,
        "token.created",
        room_id=room.id,
        identity=identity,
        detail={"token_id": record.id, "role": role, "ttl_seconds": ttl_seconds},
    )
    config = current_app.config
    return IssuedToken(
        record=record,
        jwt=jwt,
        identity=identity,
        livekit_url=config["LIVEKIT_URL"],
        # The token rides in the fragment, so it never reaches a server log.
        join_url=f"{config['PUBLIC_URL']}/join/{room.id}#token={jwt}",
    )


def _room_settings(room: Room) -> RoomSettings:
    """The LiveKit room this token creates if it joins first: our limits and metadata.

    Our `empty_timeout` (how long the room stays open after the last one leaves) is
    LiveKit's `departure_timeout`; it also bounds LiveKit's wait for a first joiner.
    """
    return RoomSettings(
        max_participants=room.max_participants,
        departure_timeout=room.empty_timeout,
        empty_timeout=room.empty_timeout,
        metadata=livekit.metadata_string(room.metadata_),
    )


# The rule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a token is honoured; when not, `reason` (unknown, revoked, room_closed or
    expired) and a `message` safe to show its holder. True when honoured. `room_closed` says
    whether the token's room is closed (closing revokes every token, so a closed room's
    tokens are usually refused as revoked)."""

    record: JoinToken | None
    reason: str | None = None
    message: str = ""
    room_closed: bool = False

    def __bool__(self) -> bool:
        return self.reason is None


def honoured(token_id: str | None, *, room: Room | None, identity: str, check_expiry: bool) -> Verdict:
    """The one rule for "is this join token still good", used by every path that sees one.

    Good means: it is a token we minted for this room and this identity, it has not been
    revoked, and its room is not closed. With `check_expiry` it must also not have expired:
    that is checked when a connection opens, as LiveKit does for media, and not again while
    the connection stays (a LiveKit join it reports was already checked).
    """
    if room is None:
        return Verdict(None, "unknown", "The token is not valid for this room.")
    closed = room.status == "closed"
    record = db.session.get(JoinToken, token_id) if token_id else None
    if record is None or record.room_id != room.id or record.identity_hash != hash_identity(identity):
        return Verdict(None, "unknown", "The token is not valid for this room.", closed)
    if record.revoked_at is not None:
        return Verdict(record, "revoked", "The token has been revoked.", closed)
    if closed:
        return Verdict(record, "room_closed", "This room is closed.", closed)
    if check_expiry and record.expires_at <= utcnow():
        return Verdict(record, "expired", "The token has expired.")
    return Verdict(record)


def load(token_ids: list[str]) -> list[JoinToken]:
    """Token records by id, in one query (a sweep over many sockets loads them before it
    asks `honoured` about each, which then finds them in the session)."""
    if not token_ids:
        return []
    return list(db.session.scalars(db.select(JoinToken).where(JoinToken.id.in_(token_ids))))


class TokenRejected(Exception):
    """A join token that must not be honoured; `reason` and `room_closed` as in `Verdict`,
    the message safe to show the holder."""

    def __init__(self, reason: str, message: str, *, room_closed: bool = False):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.room_closed = room_closed


def authenticate(jwt: str) -> tuple[VerifiedToken, JoinToken]:
    """A presented join token, checked end to end: signature and expiry, then `honoured`."""
    try:
        claims = lk_tokens.verify(jwt)
    except lk_tokens.InvalidToken:
        raise TokenRejected("invalid", "The token is invalid or has expired.") from None
    room = db.session.get(Room, claims.room_id)
    verdict = honoured(claims.token_id, room=room, identity=claims.identity, check_expiry=True)
    if not verdict:
        raise TokenRejected(verdict.reason, verdict.message, room_closed=verdict.room_closed)
    return claims, verdict.record


# Revocation -------------------------------------------------------------------------------


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


def waiting(record: JoinToken) -> bool:
    """Whether the token still waits for admission (minted for a waiting room, not admitted)."""
    return bool((record.grant or {}).get("waiting"))


def admit_identity(room: Room, identity: str) -> int:
    """Mark every waiting token of `identity` in `room` admitted; returns how many."""
    admitted = 0
    for record in db.session.scalars(
        db.select(JoinToken).where(
            JoinToken.room_id == room.id, JoinToken.identity_hash == hash_identity(identity)
        )
    ):
        if waiting(record):
            record.grant = {**record.grant, "waiting": False}
            admitted += 1
    db.session.flush()
    return admitted


def revoke_token(record: JoinToken) -> bool:
    """Revoke one token; its chat sockets close once this commits. False if it already was."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    room_id, token_id = record.room_id, record.id
    after_commit(lambda: token_revoked.send(room_id, token_id=token_id))
    return True


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

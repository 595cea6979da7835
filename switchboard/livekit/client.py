"""LiveKit's RoomService over Twirp with a plain synchronous HTTP client.

`livekit.api.LiveKitAPI` is asyncio + aiohttp, which does not mix with gunicorn's gevent
worker (see docs/LIVEKIT.md). Twirp is just POST + protobuf, so we speak it with
`requests` (cooperative under gevent) and reuse the SDK's protobuf messages.

Every failure becomes an `ApiError`: LiveKit's own errors are 502 `livekit_error`,
an unreachable or slow server is 503 `unavailable`. Messages never carry secrets.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from flask import current_app
from google.protobuf.message import DecodeError
from livekit import api as lk
from livekit.protocol import models as lk_models
from livekit.protocol import room as lk_room

from switchboard.errors import ApiError
from switchboard.livekit.tokens import ATTR_ROLE, ATTR_TOKEN_ID, Grant, publish_sources

log = logging.getLogger(__name__)

SERVICE = "livekit.RoomService"

TRACK_KINDS = {lk_models.TrackType.AUDIO: "audio", lk_models.TrackType.VIDEO: "video"}
TRACK_SOURCES = {
    lk_models.TrackSource.CAMERA: "camera",
    lk_models.TrackSource.MICROPHONE: "microphone",
    lk_models.TrackSource.SCREEN_SHARE: "screen_share",
    lk_models.TrackSource.SCREEN_SHARE_AUDIO: "screen_share_audio",
}


class LiveKitError(ApiError):
    """LiveKit answered with an error (502), or could not be reached (503, `unavailable`)."""

    def __init__(self, status: int, message: str, *, twirp_code: str | None = None):
        super().__init__(status, message, code="livekit_error" if status == 502 else "unavailable")
        self.twirp_code = twirp_code

    @property
    def not_found(self) -> bool:
        return self.twirp_code == "not_found"


@dataclass(frozen=True)
class Track:
    sid: str
    kind: str
    source: str
    muted: bool

    def as_dict(self) -> dict:
        return {"sid": self.sid, "kind": self.kind, "source": self.source, "muted": self.muted}


@dataclass(frozen=True)
class Participant:
    sid: str
    identity: str
    name: str
    token_id: str | None
    role: str | None
    joined_at: int  # unix seconds
    tracks: list[Track] = field(default_factory=list)
    hidden: bool = False  # joined with a waiting-room token and not admitted yet
    # "egress" for LiveKit Egress' hidden recorder (it joins with egress' own token)
    kind: str = "standard"


@dataclass(frozen=True)
class LiveRoom:
    sid: str
    name: str
    num_participants: int
    max_participants: int
    metadata: str


def track_from_proto(info) -> Track:
    return Track(
        sid=info.sid,
        kind=TRACK_KINDS.get(info.type, "data"),
        source=TRACK_SOURCES.get(info.source, "unknown"),
        muted=bool(info.muted),
    )


def participant_from_proto(info) -> Participant:
    attributes = dict(info.attributes)
    return Participant(
        sid=info.sid,
        identity=info.identity,
        name=info.name or info.identity,
        token_id=attributes.get(ATTR_TOKEN_ID),
        role=attributes.get(ATTR_ROLE),
        joined_at=int(info.joined_at or 0),
        tracks=[track_from_proto(t) for t in info.tracks],
        hidden=bool(info.permission.hidden) if info.HasField("permission") else False,
        kind="egress" if info.kind == lk_models.ParticipantInfo.Kind.EGRESS else "standard",
    )


def room_from_proto(info) -> LiveRoom:
    return LiveRoom(
        sid=info.sid,
        name=info.name,
        num_participants=int(info.num_participants),
        max_participants=int(info.max_participants),
        metadata=info.metadata,
    )


def _server_token(room: str | None) -> str:
    config = current_app.config
    grants = lk.VideoGrants(
        room_create=True, room_list=True, room_admin=True, room=room or "", room_join=False
    )
    return (
        lk.AccessToken(config["LIVEKIT_API_KEY"], config["LIVEKIT_API_SECRET"])
        .with_grants(grants)
        .with_ttl(timedelta(minutes=1))
        .to_jwt()
    )


def _call(
    method: str,
    request,
    response_cls,
    *,
    room: str | None = None,
    service: str = SERVICE,
    token: str | None = None,
    timeout: float | None = None,
):
    config = current_app.config
    url = f"{config['LIVEKIT_API_URL'].rstrip('/')}/twirp/{service}/{method}"
    timeout = timeout or config["LIVEKIT_TIMEOUT"]
    try:
        resp = requests.post(
            url,
            data=request.SerializeToString(),
            headers={
                "Authorization": f"Bearer {token or _server_token(room)}",
                "Content-Type": "application/protobuf",
            },
            timeout=(min(timeout, 2.0), timeout),
        )
    except requests.Timeout:
        log.warning("LiveKit %s timed out", method)
        raise LiveKitError(503, "LiveKit did not answer in time; try again shortly.") from None
    except requests.RequestException as exc:
        log.warning("LiveKit %s failed: %s", method, type(exc).__name__)
        raise LiveKitError(503, "LiveKit is unreachable; try again shortly.") from None
    if resp.status_code != 200:
        try:
            body = resp.json()
            code, msg = str(body.get("code", "unknown")), str(body.get("msg", ""))[:200]
        except ValueError:
            code, msg = "unknown", ""
        log.warning("LiveKit %s answered %s (%s)", method, resp.status_code, code)
        if code == "unavailable" or resp.status_code == 503:
            raise LiveKitError(503, "LiveKit is unavailable; try again shortly.", twirp_code=code)
        raise LiveKitError(502, f"LiveKit refused {method}: {code} {msg}".strip(), twirp_code=code)
    out = response_cls()
    try:
        out.ParseFromString(resp.content)
    except DecodeError:
        raise LiveKitError(502, f"LiveKit sent an unreadable {method} response.") from None
    return out


def reachable() -> bool:
    """Whether LiveKit's HTTP endpoint answers (it says OK at `/`); for readiness probes."""
    url = current_app.config["LIVEKIT_API_URL"].rstrip("/") + "/"
    try:
        return requests.get(url, timeout=(1.0, 2.0)).status_code == 200
    except requests.RequestException as exc:
        log.warning("LiveKit health check failed: %s", type(exc).__name__)
        return False


def list_rooms(names: list[str] | None = None) -> list[LiveRoom]:
    """Every room LiveKit has now (optionally only these names)."""
    out = _call("ListRooms", lk_room.ListRoomsRequest(names=names or []), lk_room.ListRoomsResponse)
    return [room_from_proto(r) for r in out.rooms]


def list_participants(room: str) -> list[Participant]:
    """Everyone in `room` now (empty if LiveKit has no such room)."""
    out = _call(
        "ListParticipants",
        lk_room.ListParticipantsRequest(room=room),
        lk_room.ListParticipantsResponse,
        room=room,
    )
    return [participant_from_proto(p) for p in out.participants]


def _call_if_present(method: str, request, response_type, *, room: str) -> bool:
    """Make a call about one room or participant; False when LiveKit has no such thing."""
    try:
        _call(method, request, response_type, room=room)
    except LiveKitError as err:
        if err.not_found:
            return False
        raise
    return True


def remove_participant(room: str, identity: str) -> bool:
    """Kick `identity` out of `room`; False when LiveKit had no such participant."""
    request = lk_room.RoomParticipantIdentity(room=room, identity=identity)
    return _call_if_present("RemoveParticipant", request, lk_room.RemoveParticipantResponse, room=room)


def delete_room(room: str) -> bool:
    """Delete `room`, disconnecting everyone; False when LiveKit had no such room."""
    return _call_if_present(
        "DeleteRoom", lk_room.DeleteRoomRequest(room=room), lk_room.DeleteRoomResponse, room=room
    )


def update_room_metadata(room: str, metadata: str) -> bool:
    """Replace a live room's metadata; False when the room is not live in LiveKit."""
    request = lk_room.UpdateRoomMetadataRequest(room=room, metadata=metadata)
    return _call_if_present("UpdateRoomMetadata", request, lk_models.Room, room=room)


def metadata_string(metadata: dict | None) -> str:
    """Room metadata as LiveKit carries it: compact JSON, or "" for none."""
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False) if metadata else ""


_SOURCE_ENUMS = {
    "camera": lk_models.TrackSource.CAMERA,
    "microphone": lk_models.TrackSource.MICROPHONE,
    "screen_share": lk_models.TrackSource.SCREEN_SHARE,
    "screen_share_audio": lk_models.TrackSource.SCREEN_SHARE_AUDIO,
}


def grant_permission(room: str, identity: str, grant: Grant) -> Participant | None:
    """Give a connected participant `grant`'s rights and make them visible (admission from a
    waiting room: LiveKit pushes the new permission, no reconnect). None when LiveKit has no
    such participant."""
    sources = publish_sources(grant)
    permission = lk_models.ParticipantPermission(
        can_subscribe=grant.subscribe,
        can_publish=bool(sources),
        can_publish_data=grant.chat,
        can_publish_sources=[_SOURCE_ENUMS[s] for s in sources],
        hidden=False,
        can_update_metadata=False,
    )
    request = lk_room.UpdateParticipantRequest(room=room, identity=identity, permission=permission)
    try:
        info = _call("UpdateParticipant", request, lk_models.ParticipantInfo, room=room)
    except LiveKitError as err:
        if err.not_found:
            return None
        raise
    return participant_from_proto(info)

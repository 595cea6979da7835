"""The realtime face: the chat WebSocket `/api/v1/realtime` and `GET /api/v1/realtime/info`.

Both authenticate with the join token (no API key): a browser holds only that token.
"""

import re

from flask import current_app, request

from switchboard.api import bp
from switchboard.api.auth import join_token_from_query
from switchboard.api.endpoint import endpoint, ok
from switchboard.api.schemas.messages import RealtimeInfoOut
from switchboard.extensions import db, sock
from switchboard.realtime.connection import CLOSE_BAD_REQUEST, REFUSAL_CLOSE_CODES, Connection, refuse
from switchboard.realtime.hub import get_hub
from switchboard.realtime.waiting import WaitingSocket
from switchboard.services import chat, tokens

PROTOCOL = """Upgrade to a WebSocket (text frames of JSON `{"event", "data", "ref"}`, channel `room:{room_id}`).

**Authentication**: `token` is the join token from `POST /rooms/{room_id}/tokens` (no API key).
Refusals close the socket right after the handshake: **4401** bad, expired or revoked token;
**4403** the room has no `chat` capability; **4404** the room is closed or unknown;
**4400** a malformed `since`. A participant removed from the room, or whose tokens are
revoked, is closed with 4401 (at once, or within `REALTIME_CHECK_SECONDS`, default 5 s);
when the room closes every member gets `room.closed` and then close code 4404. Token expiry
is checked when the socket opens (as LiveKit does for media), not while it stays open.

**Client → server**: `chat.message {body}` (1-4000 characters, not blank, no control
characters other than newline and tab); `typing {active: bool}`; `ping {}` (answered with
`pong` carrying the same `ref`). `ref` (optional string of up to 128 characters, or an
integer) is echoed in `ack`, `pong` and `error`. Roles that may not chat (viewers, by
default) receive everything but get `error` `forbidden` when sending `chat.message` or `typing`.

**Server → client**: `presence.state {participants: [{identity, name, role, joined_at}]}`
first; then, with `since`, every stored message with `seq > since` (a replay); then live
`message.created {id, room_id, from, body, sent_at, seq}`, `presence.joined {identity, name,
role, joined_at}`, `presence.left {identity}`, `typing {identity, active}`, `ack {ref, id,
seq}` (the sender's message is stored; it may arrive before or after the sender's own
`message.created`), `error {code, message, ref}`, `room.closed {room_id}`.

**Order**: every message is stored before it is broadcast; `seq` is gap-free and increasing
per room and every member receives `message.created` in `seq` order with no gaps or
duplicates, whichever process it is connected to. Reconnect with `since=<last seq you
received>` to get exactly what you missed, then live messages.

**Waiting room** (rooms with `waiting_room: true`): a token that waits for admission opens a
socket that hears nothing of the room (no presence, history or chat): only `waiting.message
{body}` from a host, then `waiting.admitted {}` and close **4000** (reconnect with the same
token: you are in the room), or `waiting.denied {message}` and close 4401; it may send `ping`
only (anything else: `error` `waiting`). Hosts (and roles whose policy says `admit`) get
`waiting.state {waiting: [{identity, name, role, waiting_since}]}` after `presence.state`, then
`waiting.joined {…}` and `waiting.left {identity, status: admitted|denied|left}`, and may send
`waiting.admit {identity}`, `waiting.deny {identity, message?}` and `waiting.message
{identity?, body}` (1-500 characters; without `identity` to everyone waiting), each answered
with `ack {ref}` or `error`. In a waiting room without `chat`, these sockets still open.

**Recording consent** (rooms with `recording_consent: "required"`): when a recording is
requested, everyone connected gets `recording.consent_requested {recording_id}` (again on every
socket they open while it still waits for their answer) and answers once with
`recording.consent {recording_id, accept: bool}`, acknowledged with `ack {ref}` or refused with
`error` `not_found`, `not_asked` (you were not connected when it was requested),
`already_answered` or `consent_closed` (it no longer waits). When the wait ends every member
gets `recording.consent_closed {recording_id, outcome}`: `accepted` (egress starts) or the
failure code (`consent_declined`, `consent_timeout`, `consent_cancelled`, `room_closed`); the
timeout is decided by the job worker, so that frame crosses processes only with `REDIS_URL`
(pages also poll `GET /realtime/recording`).

**Errors keep the socket open**: `invalid_json`, `invalid_frame` (not an object, binary,
unknown top-level field), `unknown_event`, `invalid_field` (wrong type, empty or over 4000
characters), `forbidden`, `room_closed`, `unavailable` (the database is down or full: the
message was not stored, send it again), `internal_error`, and `rate_limited` (it carries no
`ref`: the frame was dropped before it was read): each socket
may send `CHAT_RATE_PER_SECOND` frames a second (default 10) with bursts of
`CHAT_RATE_BURST` (default 30); frames beyond that are dropped with `rate_limited`.
Frames larger than 64 KiB close the socket with 1009."""

_SINCE = re.compile(r"^[0-9]{1,10}$")


def _describe(**meta):
    """Attach an OpenAPI description (as `endpoint` records it) to a view flask-sock wraps."""

    def attach(view):
        view.openapi = endpoint(**meta)(view).openapi
        return view

    return attach


@sock.route("/realtime", bp=bp)
@_describe(
    summary="Open the chat WebSocket",
    public=True,
    tag="Chat",
    description=PROTOCOL,
    query=(
        ("token", {"type": "string", "minLength": 1}, "The join token.", True),
        ("since", {"type": "integer", "minimum": 0}, "Replay stored messages with a greater `seq` first."),
    ),
    responses={"101": {"description": "Switching protocols: the chat socket is open."}},
)
def realtime_socket(ws):
    try:
        claims, record, room = chat.admit(request.args.get("token", ""), chat=True, waiting_ok=True)
    except chat.JoinRefused as exc:
        db.session.close()
        refuse(ws, REFUSAL_CLOSE_CODES[exc.code], exc.message)
        return
    since = request.args.get("since")
    if since is not None and not _SINCE.match(since):
        db.session.close()
        refuse(ws, CLOSE_BAD_REQUEST, "'since' must be a non-negative integer.")
        return
    app = current_app._get_current_object()
    if tokens.waiting(record):
        WaitingSocket(ws, app, get_hub(), claims).run()
        return
    current = chat.last_seq(claims.room_id)
    last_seq = current if since is None else min(int(since), current)
    may_admit = tokens.may_admit(room, claims.role)
    db.session.close()
    Connection(ws, app, get_hub(), claims, last_seq, may_admit=may_admit).run()


def _realtime_url() -> str:
    base = current_app.config["PUBLIC_URL"]
    return (
        "wss://" + base[len("https://") :]
        if base.startswith("https://")
        else "ws://" + base.removeprefix("http://")
    ) + "/api/v1/realtime"


@bp.get("/realtime/info")
@endpoint(
    "Describe a join token's session",
    response=RealtimeInfoOut,
    public=True,
    tag="Chat",
    query=(("token", {"type": "string", "minLength": 1}, "The join token.", True),),
    responses={
        "401": {"description": "The token is invalid, expired or revoked."},
    },
    description="What a browser holding only a join token needs before connecting: the room, "
    "its capabilities, what the token may do, and where to connect (`livekit_url` for media, "
    "`realtime_url` for chat). `switchboard.js` calls it first. 401 for a bad, expired or "
    "revoked token; 404 `room_closed` for a closed or unknown room.",
)
def realtime_info():
    claims, record, room = join_token_from_query()
    media = room.has("video") or room.has("audio")
    info = RealtimeInfoOut.build(
        claims,
        record,
        room,
        livekit_url=current_app.config["LIVEKIT_URL"] if media else None,
        realtime_url=_realtime_url() if room.has("chat") else None,
    )
    return ok(info.dump())

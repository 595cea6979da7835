"""One chat socket from handshake to close.

Two greenlets per socket: the request greenlet reads client frames; a writer greenlet owns
every send, so frames never interleave. The writer delivers the hub's items in `seq`
order (skipping what the client already has, filling any gap from the database). Every
`REALTIME_CHECK_SECONDS` the hub's sweep re-checks the world for all of the process's
sockets at once (`Connection.check_all`, a few queries however many sockets): the presence
heartbeat, token revocation, room status, and messages stored while a broadcast was lost
(Redis outage, another process's worker). That check is what closes a removed participant's
socket (4401) or a closed room's (4404) when the signal came from a process without Redis.
"""

import logging
import time

import gevent
import gevent.event
from simple_websocket import ConnectionClosed

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import Room
from switchboard.models.base import isoformat
from switchboard.realtime import consent, frames
from switchboard.realtime import waiting as waiting_room
from switchboard.realtime.hub import FILL_BATCH, Hub
from switchboard.realtime.socket import Socket
from switchboard.realtime.writer import Post
from switchboard.services import chat, tokens

log = logging.getLogger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_ROOM_CLOSED = 4404

# Why a join was refused (`chat.JoinRefused.code`) -> the close code that says so.
REFUSAL_CLOSE_CODES = {
    "unauthorized": CLOSE_UNAUTHORIZED,
    "chat_disabled": CLOSE_FORBIDDEN,
    "waiting": CLOSE_FORBIDDEN,
    "room_closed": CLOSE_ROOM_CLOSED,
}


def refuse(ws, code: int, reason: str) -> None:
    """Close a socket that was never admitted."""
    try:
        ws.close(reason=code, message=reason)
    except ConnectionClosed:
        pass


class TokenBucket:
    """The per-connection rate limit: `rate` frames a second, bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate = rate
        self.capacity = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Connection(Socket):
    def __init__(self, ws, app, hub: Hub, claims: VerifiedToken, last_seq: int, *, may_admit: bool = False):
        self.ws = ws
        self.app = app
        self.hub = hub
        self.claims = claims
        self.room_id = claims.room_id
        self.identity = claims.identity
        self.id: str | None = None  # the presence row, once recorded
        self.last_seq = last_seq  # highest seq this client has (or had before it connected)
        super().__init__()
        config = app.config
        self.stale_after = config["REALTIME_PRESENCE_STALE_SECONDS"]
        self.bucket = TokenBucket(config["CHAT_RATE_PER_SECOND"], config["CHAT_RATE_BURST"])
        # Hosts (and roles whose policy says `admit`) run the room's waiting room from here.
        self.may_admit = may_admit
        # Chat messages handed to the hub's writer and not yet stored (or refused): other
        # frames wait for them, so replies keep the order the client sent its frames in.
        self.unwritten = 0
        self.all_written = gevent.event.Event()
        self.all_written.set()

    # -- called by the hub ------------------------------------------------------------------

    # -- lifecycle (request greenlet) -------------------------------------------------------

    def _join(self) -> None:
        row = chat.add_presence(self.claims)
        self.id = row.id
        member = {"identity": row.identity, "name": row.name, "role": row.role, "joined_at": row.joined_at}
        db.session.commit()
        first = chat.connections_of(self.room_id, self.identity, stale_seconds=self.stale_after) == 1
        db.session.close()
        self.hub.join(self.room_id, self)
        if first:
            member["joined_at"] = isoformat(member["joined_at"])
            self.hub.publish_event(self.room_id, "presence.joined", member, origin=self.id)

    def _leave(self) -> None:
        self.hub.leave(self.room_id, self)
        try:
            db.session.rollback()
            chat.remove_presence(self.id)
            db.session.commit()
            gone = chat.connections_of(self.room_id, self.identity, stale_seconds=self.stale_after) == 0
            db.session.close()
        except Exception:
            db.session.rollback()
            log.exception("chat presence cleanup failed")
            return
        if gone:
            self.hub.publish_event(self.room_id, "presence.left", {"identity": self.identity}, origin=self.id)

    # -- client frames (request greenlet) ---------------------------------------------------

    def _reply(self, event: str, data: dict, ref=None) -> None:
        self.deliver(("send", event, data, ref))

    def _error(self, code: str, message: str, ref=None) -> None:
        self._reply("error", {"code": code, "message": message, "ref": ref}, ref)

    def _command(self, frame: frames.Frame, action, what: str) -> None:
        """Run a client command in one transaction and answer it: `action()` does the work and
        may return a callable to run once it is committed; then `ack`, or `error` with the
        ApiError's code, or `internal_error` (logged as `what`)."""
        try:
            after_commit = action()
            db.session.commit()
            if after_commit is not None:
                after_commit()
        except ApiError as exc:
            db.session.rollback()
            self._error(exc.code, exc.message, frame.ref)
            return
        except Exception:
            db.session.rollback()
            log.exception("%s failed", what)
            self._error("internal_error", "That did not work; try again.", frame.ref)
            return
        finally:
            db.session.close()
        self._reply("ack", {"ref": frame.ref}, frame.ref)

    def _on_frame(self, raw) -> None:
        if not self.bucket.take():
            limit = self.app.config["CHAT_RATE_PER_SECOND"]
            self._error("rate_limited", f"Too many frames; at most {limit:g} per second. Slow down.")
            return
        try:
            frame = frames.parse(raw)
        except frames.FrameError as exc:
            self._error(exc.code, exc.message, exc.ref)
            return
        if frame.event != "chat.message" and self.unwritten:
            self.all_written.wait(timeout=30)
        if frame.event == "ping":
            self._reply("pong", {}, frame.ref)
        elif frame.event == "typing":
            if not self.claims.chat:
                self._error("forbidden", "Your role may not chat in this room.", frame.ref)
                return
            data = {"identity": self.identity, "active": frame.data["active"]}
            self.hub.publish_event(self.room_id, "typing", data, origin=self.id)
        elif frame.event == "chat.message":
            self._send_message(frame)
        elif frame.event == "recording.consent":
            consent.on_answer(self, frame)
        elif frame.event.startswith("waiting."):
            if not self.may_admit:
                self._error("forbidden", "Only hosts run the waiting room.", frame.ref)
                return
            waiting_room.on_host_frame(self, frame)

    def _send_message(self, frame: frames.Frame) -> None:
        if not self.claims.chat:
            self._error("forbidden", "Your role may not send chat messages in this room.", frame.ref)
            return
        self.unwritten += 1
        self.all_written.clear()
        self.hub.writer.submit(self.room_id, Post(self, frame.data["body"], frame.ref))

    def written(self, count: int) -> None:
        """Called by the writer once `count` of this socket's messages were stored or refused."""
        self.unwritten -= count
        if self.unwritten <= 0:
            self.unwritten = 0
            self.all_written.set()

    # -- the writer greenlet ----------------------------------------------------------------

    def _greet(self) -> None:
        self._send(
            "presence.state",
            {"participants": chat.present_members(self.room_id, stale_seconds=self.stale_after)},
        )
        if self.may_admit:
            waiting_room.send_queue(self)
        consent.send_pending(self)
        self._fill(None)
        db.session.close()

    def _handle(self, item: tuple) -> None:
        kind = item[0]
        if kind == "message":
            data = item[1]
            seq = data["seq"]
            if seq <= self.last_seq:
                return
            if seq > self.last_seq + 1:
                self._fill(seq - 1)
                db.session.close()
            self.ws.sock.sendall(item[2])  # a complete frame, built once for the room
            self.last_seq = seq
        elif kind == "event":
            _, event, data, origin = item
            if origin is None or origin != self.id:
                self._send(event, data)
        elif kind == "send":
            _, event, data, ref = item
            self._send(event, data, ref)
        elif kind == "remove":
            if item[1] == self.identity:
                self._close(CLOSE_UNAUTHORIZED, "You were removed from this room.")
        elif kind == "direct":
            _, identity, admitters, event, data, close = item
            if (identity is None or identity == self.identity) and (not admitters or self.may_admit):
                self._send(event, data)
                if close:
                    self._close(*close)
        elif kind == "revoke_token":
            if item[1] == self.claims.token_id:
                self._close(CLOSE_UNAUTHORIZED, "Your access to this room has ended.")
        elif kind == "close_room":
            self._send("room.closed", {"room_id": self.room_id})
            self._close(CLOSE_ROOM_CLOSED, "This room is closed.")

    def _fill(self, up_to: int | None) -> None:
        """Send stored messages after `last_seq` (up to `up_to`, or all) in batches."""
        while True:
            rows = chat.messages_after(self.room_id, self.last_seq, limit=FILL_BATCH, up_to=up_to)
            for row in rows:
                self._send("message.created", chat.event_data(row))
                self.last_seq = row.seq
            if len(rows) < FILL_BATCH:
                return

    @classmethod
    def check_all(cls, connections: list["Connection"]) -> None:
        """The periodic safety net (see the module docstring) for every open socket of this
        process, in a few queries: one heartbeat update per 500 sockets, one stale-presence
        read for all rooms, one read of the rooms and one of the tokens per 500 sockets; the
        verdict for each socket is still `tokens.honoured`'s (served from the session's
        identity map). A lost broadcast is caught up once per room by the room's channel."""
        connections = [c for c in connections if c.open and c.id is not None]
        if not connections:
            return
        stale_after = connections[0].stale_after
        hub = connections[0].hub
        room_ids = sorted({c.room_id for c in connections})
        left: dict[str, list[str]] = {}
        try:
            for chunk in _chunks([c.id for c in connections]):
                chat.touch_presences(chunk)
            for room_id in chat.rooms_with_stale_presence(room_ids, stale_seconds=stale_after):
                left[room_id] = chat.purge_stale_presence(room_id, stale_seconds=stale_after)
            db.session.commit()
            rooms = {
                room.id: room for room in db.session.scalars(db.select(Room).where(Room.id.in_(room_ids)))
            }
            for chunk in _chunks(sorted({c.claims.token_id for c in connections})):
                list(tokens.load(chunk))  # into the session, where `honoured` finds them
            for connection in connections:
                room = rooms.get(connection.room_id)
                verdict = tokens.honoured(
                    connection.claims.token_id, room=room, identity=connection.identity, check_expiry=False
                )
                # Closing a room also revokes its tokens: 4404 says why.
                if room is None or verdict.room_closed:
                    connection.deliver(("close_room",))
                elif not verdict:
                    connection.deliver(("close", CLOSE_UNAUTHORIZED, "The token has been revoked."))
        finally:
            db.session.rollback()
            db.session.close()
        for room_id, identities in left.items():
            for identity in identities:
                hub.publish_event(room_id, "presence.left", {"identity": identity})
        for room_id in room_ids:
            channel = hub.rooms.get(room_id)
            if channel is not None:
                channel.catch_up()


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]

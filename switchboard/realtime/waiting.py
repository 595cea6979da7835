"""The waiting room over the chat socket.

A waiting token's socket (`WaitingSocket`) hears nothing of the room: only what is meant for
it (`waiting.message` from a host, then `waiting.admitted` and close 4000, or
`waiting.denied {message}` and close 4401). Hosts' sockets (`Connection` with `may_admit`) get
`waiting.state` on connect and `waiting.joined` / `waiting.left` after, and may send
`waiting.admit`, `waiting.deny` and `waiting.message`.
"""

import logging

from switchboard.extensions import db
from switchboard.models import Room
from switchboard.plumbing import audit
from switchboard.realtime import frames
from switchboard.realtime.hub import waiting_channel
from switchboard.realtime.socket import Socket
from switchboard.services import rooms, tokens

log = logging.getLogger(__name__)

CLOSE_ADMITTED = 4000


def send_queue(connection) -> None:
    """`waiting.state` for a host's socket, when the room has a waiting room."""
    room = db.session.get(Room, connection.room_id)
    if room is not None and room.waiting_room:
        connection._send("waiting.state", {"waiting": rooms.queue(room)})


def on_host_frame(connection, frame: frames.Frame) -> None:
    """`waiting.admit`, `waiting.deny` or `waiting.message` from a host's socket."""
    identity = frame.data.get("identity")

    def act():
        room = db.session.get(Room, connection.room_id)
        if frame.event == "waiting.message":
            audit.record(room.project_id, "waiting.message", actor="host", room_id=room.id, identity=identity)
            return lambda: connection.hub.publish_direct(
                waiting_channel(room.id), "waiting.message", {"body": frame.data["body"]}, identity=identity
            )
        if frame.event == "waiting.admit":
            rooms.admit(room, identity, actor="host")
        else:
            rooms.deny(room, identity, message=frame.data.get("message"), actor="host")
        return None

    connection._command(frame, act, "waiting room action")


class WaitingSocket(Socket):
    """One waiting person's socket, from handshake to close."""

    def __init__(self, ws, app, hub, claims):
        self.ws = ws
        self.app = app
        self.hub = hub
        self.claims = claims
        self.room_id = claims.room_id
        self.identity = claims.identity
        self.channel = waiting_channel(claims.room_id)
        super().__init__()

    def _join(self) -> None:
        room = db.session.get(Room, self.room_id)
        rooms.socket_arrived(
            room, self.identity, self.claims.name or self.identity, self.claims.role, self.claims.token_id
        )
        db.session.commit()
        db.session.close()
        self.hub.join(self.channel, self)

    def _leave(self) -> None:
        self.hub.leave(self.channel, self)
        try:
            room = db.session.get(Room, self.room_id)
            if room is not None:
                rooms.socket_left(room, self.identity)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("waiting socket cleanup failed")
        finally:
            db.session.close()

    def _on_frame(self, raw) -> None:
        try:
            frame = frames.parse(raw)
        except frames.FrameError as exc:
            self.deliver(
                ("send", "error", {"code": exc.code, "message": exc.message, "ref": exc.ref}, exc.ref)
            )
            return
        if frame.event == "ping":
            self.deliver(("send", "pong", {}, frame.ref))
        else:
            message = "You are in the waiting room; a host will let you in."
            self.deliver(
                ("send", "error", {"code": "waiting", "message": message, "ref": frame.ref}, frame.ref)
            )

    def _handle(self, item: tuple) -> None:
        kind = item[0]
        if kind == "send":
            _, event, data, ref = item
            self._send(event, data, ref)
        elif kind == "direct":
            _, identity, _admitters, event, data, close = item
            if identity is None or identity == self.identity:
                self._send(event, data)
                if close:
                    self._close(*close)

    def _check(self) -> None:
        """The safety net when a push was lost: admitted, denied or the room closed."""
        try:
            room = db.session.get(Room, self.room_id)
            verdict = tokens.honoured(
                self.claims.token_id, room=room, identity=self.identity, check_expiry=False
            )
            if room is None or verdict.room_closed:
                self._send("room.closed", {"room_id": self.room_id})
                self._close(4404, "This room is closed.")
            elif not verdict:
                self._send("waiting.denied", {"message": rooms.denial_message(room, self.identity)})
                self._close(4401, "Denied.")
            elif not tokens.waiting(verdict.record):
                self._send("waiting.admitted", {})
                self._close(CLOSE_ADMITTED, "Admitted.")
        finally:
            db.session.rollback()
            db.session.close()

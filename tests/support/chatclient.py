"""A small, real WebSocket client for the chat socket (websocket-client), used by tests and bench."""

import json
import time
from urllib.parse import quote

import websocket


class Closed(Exception):
    def __init__(self, code: int | None, reason: str):
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


def socket_url(base_url: str, token: str, since: int | None = None) -> str:
    url = base_url.replace("http://", "ws://", 1) + "/api/v1/realtime?token=" + quote(token, safe="")
    if since is not None:
        url += f"&since={since}"
    return url


class ChatClient:
    def __init__(self, base_url: str, token: str, since: int | None = None, timeout: float = 10.0):
        self.ws = websocket.create_connection(socket_url(base_url, token, since), timeout=timeout)
        self.closed: Closed | None = None

    def send(self, event: str, data: dict | None = None, ref=None) -> None:
        frame: dict = {"event": event, "data": data if data is not None else {}}
        if ref is not None:
            frame["ref"] = ref
        self.ws.send(json.dumps(frame))

    def send_raw(self, text) -> None:
        if isinstance(text, bytes):
            self.ws.send_binary(text)
        else:
            self.ws.send(text)

    def recv(self, timeout: float = 10.0) -> dict:
        """The next frame; raises Closed when the server closed the socket."""
        if self.closed:
            raise self.closed
        self.ws.settimeout(timeout)
        while True:
            opcode, frame = self.ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                self.closed = Closed(code, data[2:].decode(errors="replace"))
                raise self.closed
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return json.loads(frame.data.decode())

    def expect(
        self, event: str, timeout: float = 10.0, skip=("presence.joined", "presence.left", "typing")
    ) -> dict:
        """The next frame of `event`, skipping presence/typing noise; anything else is an error."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.05, deadline - time.monotonic()))
            if frame["event"] == event:
                return frame
            if frame["event"] not in skip:
                raise AssertionError(f"expected {event}, got {frame}")

    def expect_any(self, events: tuple, timeout: float = 10.0) -> dict:
        """The next frame of any of `events`, skipping presence/typing noise."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.05, deadline - time.monotonic()))
            if frame["event"] in events:
                return frame
            if frame["event"] not in ("presence.joined", "presence.left", "typing"):
                raise AssertionError(f"expected one of {events}, got {frame}")

    def messages(self, count: int, timeout: float = 30.0) -> list[dict]:
        """The next `count` message.created payloads, skipping everything else."""
        out: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            frame = self.recv(max(0.05, deadline - time.monotonic()))
            if frame["event"] == "message.created":
                out.append(frame["data"])
        return out

    def close_code(self, timeout: float = 10.0) -> int | None:
        """Read until the server closes; return its close code."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.recv(max(0.05, deadline - time.monotonic()))
        except Closed as closed:
            return closed.code

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass

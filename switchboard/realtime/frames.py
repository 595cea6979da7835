"""The chat socket's wire format: JSON text frames `{"event", "data", "ref"}`.

Client -> server: `chat.message {body}`, `typing {active}`, `ping {}`, the waiting room's
`waiting.*` (hosts) and `recording.consent {recording_id, accept}`. A frame that is not
JSON, has an unknown event, or carries wrong fields is answered with an `error` event
(`invalid_json`, `invalid_frame`, `unknown_event`, `invalid_field`); the socket stays open.
"""

import json
import re
from dataclasses import dataclass

from switchboard.services.chat import MAX_BODY_CHARS

MAX_REF_CHARS = 128
CLIENT_EVENTS = (
    "chat.message",
    "typing",
    "ping",
    "waiting.admit",
    "waiting.deny",
    "waiting.message",
    "recording.consent",
)
MAX_WAITING_MESSAGE_CHARS = 500
_IDENTITY = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_RECORDING_ID = re.compile(r"^rec_[A-Za-z0-9]{1,28}$")


@dataclass(frozen=True)
class Frame:
    event: str
    data: dict
    ref: str | int | None


class FrameError(Exception):
    def __init__(self, code: str, message: str, ref=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def encode(event: str, data: dict | None = None, ref=None) -> str:
    frame: dict = {"event": event, "data": data if data is not None else {}}
    if ref is not None:
        frame["ref"] = ref
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def wire(text: str) -> bytes:
    """`text` as one complete, unmasked WebSocket text frame (RFC 6455 5.2).

    A server's frames are the same bytes for every client, so a message fanned out to a
    room is framed once. Uncompressed frames stay valid when permessage-deflate was
    negotiated (RFC 7692 7.2.3.1: compression is per message), and the sender's compressor
    never sees them, so its context stays in step with the client's decompressor.
    """
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


def _reject_constant(name: str):
    raise ValueError(name)


def _valid_ref(ref) -> bool:
    if ref is None or (isinstance(ref, int) and not isinstance(ref, bool)):
        return True
    return isinstance(ref, str) and len(ref) <= MAX_REF_CHARS


def parse(raw) -> Frame:
    """Decode and validate one client frame, or raise FrameError."""
    if not isinstance(raw, str):
        raise FrameError("invalid_frame", "Send text frames of JSON; binary frames are not accepted.")
    try:
        frame = json.loads(raw, parse_constant=_reject_constant)
    except ValueError:
        raise FrameError("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise FrameError("invalid_frame", 'A frame is a JSON object {"event", "data", "ref"}.')
    ref = frame.get("ref")
    if not _valid_ref(ref):
        raise FrameError(
            "invalid_frame", f"'ref' must be a string of at most {MAX_REF_CHARS} characters or an integer."
        )
    extra = set(frame) - {"event", "data", "ref"}
    if extra:
        raise FrameError("invalid_frame", f"Unknown frame field '{sorted(extra)[0]}'.", ref)
    event = frame.get("event")
    if not isinstance(event, str):
        raise FrameError("invalid_frame", "'event' is required and must be a string.", ref)
    if event not in CLIENT_EVENTS:
        raise FrameError("unknown_event", f"Unknown event; send one of {', '.join(CLIENT_EVENTS)}.", ref)
    data = frame.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrameError("invalid_frame", "'data' must be a JSON object.", ref)
    return Frame(event=event, data=_validate(event, data, ref), ref=ref)


def _only(data: dict, allowed: set, ref) -> None:
    extra = set(data) - allowed
    if extra:
        raise FrameError("invalid_field", f"Unknown field 'data.{sorted(extra)[0]}'.", ref)


def _validate(event: str, data: dict, ref) -> dict:
    if event == "chat.message":
        _only(data, {"body"}, ref)
        body = data.get("body")
        if not isinstance(body, str):
            raise FrameError("invalid_field", "'data.body' is required and must be a string.", ref)
        if not 1 <= len(body) <= MAX_BODY_CHARS:
            raise FrameError(
                "invalid_field",
                f"'data.body' must be 1-{MAX_BODY_CHARS} characters (this is {len(body)}).",
                ref,
            )
        if not body.strip():
            raise FrameError("invalid_field", "'data.body' must not be blank.", ref)
        if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in body):
            raise FrameError("invalid_field", "'data.body' must not contain control characters.", ref)
        return {"body": body}
    if event in ("waiting.admit", "waiting.deny", "waiting.message"):
        allowed = {"identity", "message"} if event == "waiting.deny" else {"identity"}
        if event == "waiting.message":
            allowed = {"identity", "body"}
        _only(data, allowed, ref)
        identity = data.get("identity")
        if (identity is not None or event != "waiting.message") and (
            not isinstance(identity, str) or not _IDENTITY.match(identity)
        ):
            raise FrameError("invalid_field", "'data.identity' must be a participant identity.", ref)
        out = {"identity": identity}
        key = "body" if event == "waiting.message" else "message"
        text = data.get(key)
        if event == "waiting.message" or text is not None:
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_WAITING_MESSAGE_CHARS:
                raise FrameError(
                    "invalid_field", f"'data.{key}' must be 1-{MAX_WAITING_MESSAGE_CHARS} characters.", ref
                )
            out[key] = text
        return out
    if event == "recording.consent":
        _only(data, {"recording_id", "accept"}, ref)
        recording_id = data.get("recording_id")
        if not isinstance(recording_id, str) or not _RECORDING_ID.match(recording_id):
            raise FrameError("invalid_field", "'data.recording_id' must be a recording id (rec_…).", ref)
        if not isinstance(data.get("accept"), bool):
            raise FrameError("invalid_field", "'data.accept' is required and must be true or false.", ref)
        return {"recording_id": recording_id, "accept": data["accept"]}
    if event == "typing":
        _only(data, {"active"}, ref)
        active = data.get("active")
        if not isinstance(active, bool):
            raise FrameError("invalid_field", "'data.active' is required and must be true or false.", ref)
        return {"active": active}
    _only(data, set(), ref)
    return {}

"""Verify Switchboard webhooks on the receiving side (and sign them on ours).

This module uses only the Python standard library, so a receiver can copy the file as is.

    from switchboard.webhooks import verify, WebhookVerificationError

    event = verify(request.get_data(), request.headers["Switchboard-Signature"], secret)

`Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
carries one `v1=` per valid secret (two while a rotated secret is in its grace period);
one matching signature is enough. The Standard Webhooks headers (`webhook-id`,
`webhook-timestamp`, `webhook-signature`) are checked by `verify_standard`.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time

__all__ = ["WebhookVerificationError", "sign_headers", "verify", "verify_standard"]

DEFAULT_TOLERANCE = 300


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh Switchboard webhook: answer it with 400."""


def _as_bytes(raw_body) -> bytes:
    if isinstance(raw_body, bytes | bytearray | memoryview):
        return bytes(raw_body)
    if isinstance(raw_body, str):
        return raw_body.encode("utf-8")
    raise TypeError("raw_body must be the request body as bytes (or str)")


def _hex_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _standard_key(secret: str) -> bytes:
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not a whsec_ base64 secret") from None


def _standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    message = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_standard_key(secret), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_headers(secrets: list[str], event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both signature schemes for one delivery, signed with every secret in `secrets`."""
    v1 = ",".join(f"v1={_hex_signature(secret, timestamp, body)}" for secret in secrets)
    standard = " ".join(f"v1,{_standard_signature(secret, event_id, timestamp, body)}" for secret in secrets)
    return {
        "Switchboard-Signature": f"t={timestamp},{v1}",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard,
    }


def _check_timestamp(timestamp: int, tolerance: int, now: float | None) -> None:
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookVerificationError(
            f"timestamp is outside the tolerance of {tolerance} s (replayed, or a skewed clock)"
        )


def _parse_event(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookVerificationError("the body is not valid JSON") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp = None
    signatures = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookVerificationError("the t= timestamp is not an integer") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise WebhookVerificationError("the signature header has no t= timestamp")
    if not signatures:
        raise WebhookVerificationError("the signature header has no v1= signature")
    return timestamp, signatures


def verify(
    raw_body, header: str | None, secret: str, tolerance: int = DEFAULT_TOLERANCE, *, now=None
) -> dict:
    """Check `Switchboard-Signature` against the raw request body; return the event.

    Raises WebhookVerificationError if the header is missing or malformed, no `v1=`
    signature matches `secret`, or `t` is more than `tolerance` seconds from now
    (in either direction). Pass the body exactly as received, before any JSON parsing.
    """
    body = _as_bytes(raw_body)
    if not header:
        raise WebhookVerificationError("no Switchboard-Signature header")
    if not secret:
        raise WebhookVerificationError("no secret to verify with")
    timestamp, signatures = _parse_header(header)
    expected = _hex_signature(secret, timestamp, body)
    # Compare against every signature without stopping early; compare_digest is constant-time.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.strip().lower())
    if not matched:
        raise WebhookVerificationError("no signature matches the secret (wrong secret or altered body)")
    _check_timestamp(timestamp, tolerance, now)
    return _parse_event(body)


def verify_standard(raw_body, headers, secret: str, tolerance: int = DEFAULT_TOLERANCE, *, now=None) -> dict:
    """Check the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`); `headers` is any mapping with case-insensitive or lower-case keys."""
    body = _as_bytes(raw_body)

    def header(name: str) -> str | None:
        value = headers.get(name)
        if value is None:
            value = headers.get(name.title())
        return value

    msg_id, raw_timestamp, signature = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    )
    if not msg_id or not raw_timestamp or not signature:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    expected = _standard_signature(secret, msg_id, timestamp, body)
    matched = False
    for item in signature.split(" "):
        version, _, candidate = item.partition(",")
        if version == "v1":
            matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise WebhookVerificationError("no signature matches the secret (wrong secret or altered body)")
    _check_timestamp(timestamp, tolerance, now)
    return _parse_event(body)

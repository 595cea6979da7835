"""`switchboard.webhooks.verify`: what a receiver runs on every delivery."""

import ast
import base64
import hashlib
import hmac
import json
import time

import pytest

import switchboard.webhooks as module
from switchboard.webhooks import WebhookVerificationError, sign_headers, verify, verify_standard

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = json.dumps(
    {"id": "evt_1", "type": "room.created", "created_at": "2026-07-02T15:04:05Z", "data": {}}
).encode()


def signed(secrets=(SECRET,), body=BODY, at=None):
    return sign_headers(list(secrets), "evt_1", int(time.time() if at is None else at), body)


def test_a_genuine_delivery_verifies_and_returns_the_event():
    headers = signed()
    event = verify(BODY, headers["Switchboard-Signature"], SECRET)
    assert event["id"] == "evt_1" and event["type"] == "room.created"


def test_the_signature_is_hex_hmac_sha256_of_timestamp_dot_body():
    now = int(time.time())
    header = signed(at=now)["Switchboard-Signature"]
    expected = hmac.new(SECRET.encode(), f"{now}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={now},v1={expected}"


def test_a_tampered_body_is_rejected():
    headers = signed()
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify(BODY.replace(b"room.created", b"room.closed"), headers["Switchboard-Signature"], SECRET)


def test_a_wrong_secret_is_rejected():
    with pytest.raises(WebhookVerificationError):
        verify(BODY, signed()["Switchboard-Signature"], OTHER)


def test_a_stale_timestamp_is_rejected_even_with_a_valid_signature():
    headers = signed(at=time.time() - 301)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(BODY, headers["Switchboard-Signature"], SECRET)
    assert verify(BODY, headers["Switchboard-Signature"], SECRET, tolerance=600)["id"] == "evt_1"


def test_a_timestamp_from_the_future_is_rejected():
    headers = signed(at=time.time() + 400)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(BODY, headers["Switchboard-Signature"], SECRET)


def test_a_changed_timestamp_breaks_the_signature():
    header = signed()["Switchboard-Signature"]
    t, rest = header.split(",", 1)
    forged = f"t={int(t[2:]) + 1},{rest}"
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify(BODY, forged, SECRET)


def test_any_one_of_several_v1_signatures_is_enough():
    header = signed(secrets=(SECRET, OTHER))["Switchboard-Signature"]
    assert header.count("v1=") == 2
    assert verify(BODY, header, SECRET)["id"] == "evt_1"
    assert verify(BODY, header, OTHER)["id"] == "evt_1"


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=123", "t=abc,v1=00", "garbage"])
def test_a_missing_or_malformed_header_is_rejected(header):
    with pytest.raises(WebhookVerificationError):
        verify(BODY, header, SECRET)


def test_a_str_body_is_accepted_but_a_parsed_object_is_not():
    header = signed()["Switchboard-Signature"]
    assert verify(BODY.decode(), header, SECRET)["id"] == "evt_1"
    with pytest.raises(TypeError):
        verify(json.loads(BODY), header, SECRET)


def test_standard_webhooks_headers_verify_with_the_base64_decoded_secret():
    headers = {k.lower(): v for k, v in signed().items()}
    assert verify_standard(BODY, headers, SECRET)["id"] == "evt_1"
    t = headers["webhook-timestamp"]
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"evt_1.{t}.".encode() + BODY, hashlib.sha256).digest()
    ).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_standard_webhooks_rejects_tampering_staleness_and_wrong_secrets():
    headers = {k.lower(): v for k, v in signed().items()}
    with pytest.raises(WebhookVerificationError):
        verify_standard(BODY + b" ", headers, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify_standard(BODY, headers, OTHER)
    with pytest.raises(WebhookVerificationError):
        verify_standard(BODY, {**headers, "webhook-id": "evt_2"}, SECRET)
    stale = {k.lower(): v for k, v in signed(at=time.time() - 1000).items()}
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_standard(BODY, stale, SECRET)


def test_the_module_is_standalone_stdlib_only():
    tree = ast.parse(open(module.__file__).read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"base64", "binascii", "hashlib", "hmac", "json", "time"}

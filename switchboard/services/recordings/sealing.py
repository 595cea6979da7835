"""The customers' S3 secrets at rest: Fernet (AES-128-CBC + HMAC) under RECORDING_SECRETS_KEY."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from switchboard.errors import ApiError


def _fernet() -> Fernet:
    # Any string configures it: stretched to the 32 bytes Fernet wants.
    raw = current_app.config["RECORDING_SECRETS_KEY"].encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"switchboard-recordings:" + raw).digest()))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ApiError(
            409,
            "The stored S3 secret cannot be decrypted (RECORDING_SECRETS_KEY changed); "
            "save the recording settings again.",
            code="recording_settings_unreadable",
        ) from None

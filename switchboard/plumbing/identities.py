"""Participant identities are kept out of audit trails and token records as keyed hashes."""

import hashlib
import hmac

from flask import current_app


def hash_identity(identity: str) -> str:
    """HMAC-SHA256 of `identity` under IDENTITY_HASH_KEY, hex."""
    key = current_app.config["IDENTITY_HASH_KEY"].encode()
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()

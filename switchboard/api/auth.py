"""Bearer authentication with a project API key, and the per-key rate limit."""

import hashlib

from flask import current_app, g, request

from switchboard.errors import ApiError, invalid
from switchboard.extensions import limiter
from switchboard.services import chat, projects


def rate_limit_key() -> str:
    """Requests are counted per API key (hashed: the secret never becomes a storage key)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "key:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, code="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def authenticate():
    """Before every API request: the project of the Bearer key, unless the route is public."""
    view = current_app.view_functions.get(request.endpoint)
    meta = getattr(view, "openapi", None)
    if meta is not None and meta.get("public"):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("Send your secret key as 'Authorization: Bearer sk_live_…'.")
    key = projects.authenticate(secret.strip())
    if key is None:
        raise _unauthorized("That API key is not valid, or it has been revoked.")
    g.project_id = key.project_id
    g.api_key_id = key.id


def join_token_from_query():
    """For the public routes a browser calls with only its join token (`?token=`): the
    token's claims, record and room, or the envelope error naming `token` (400 missing,
    401 bad, expired or revoked, 404 room closed)."""
    jwt = request.args.get("token")
    if not jwt:
        raise invalid("'token' is required.", param="token")
    try:
        return chat.admit(jwt, chat=False)
    except chat.JoinRefused as exc:
        exc.param = "token"
        raise


def install(bp) -> None:
    """Authenticate every request to `bp` and rate-limit it per key."""
    bp.before_request(authenticate)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)

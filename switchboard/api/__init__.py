"""The JSON API blueprint, mounted at /api/v1. Every route is Bearer-authenticated unless
its `endpoint(...)` says `public=True`."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from switchboard.api import (  # noqa: E402,F401  (routes register on import)
    auth,
    messages,
    openapi,
    participants,
    realtime,
    rooms,
    tokens,
    webhooks,
)

"""The JSON API blueprint, mounted at /api/v1, LiveKit's webhook receiver at /livekit, and
the operator's pages and probes (`/`, `/healthz`, `/readyz`).

Every /api/v1 route is Bearer-authenticated unless its `endpoint(...)` says `public=True`.
Routes register on the blueprints when their modules are imported below; `init_app`
installs authentication and the rate limit and mounts both blueprints.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from switchboard.api import (  # noqa: E402  (routes register on the blueprint)
    audit,
    auth,
    livekit_webhook,
    messages,
    openapi,
    operations,
    participants,
    realtime,
    recordings,
    retention,
    room_recording,
    rooms,
    sessions,
    tokens,
    waiting,
    webhooks,
)

__all__ = [
    "audit",
    "bp",
    "init_app",
    "messages",
    "openapi",
    "operations",
    "participants",
    "realtime",
    "recordings",
    "retention",
    "room_recording",
    "rooms",
    "sessions",
    "tokens",
    "waiting",
    "webhooks",
]


_installed = False


def init_app(app, csrf) -> None:
    global _installed
    if not _installed:  # a blueprint is set up once per process, before it is first registered
        auth.install(bp)
        _installed = True
    app.register_blueprint(bp)
    csrf.exempt(bp)  # Bearer-authenticated JSON: no cookies, so no CSRF.
    app.register_blueprint(operations.bp)  # /, /healthz, /readyz: no forms, nothing to protect
    app.register_blueprint(livekit_webhook.bp)
    csrf.exempt(livekit_webhook.bp)  # signed by LiveKit's JWT, not a browser session.

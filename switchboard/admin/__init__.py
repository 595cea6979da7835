"""Server-rendered admin at /admin: login, rooms (and running a visit), API keys, webhooks and
the audit log. CSRF-protected forms; pages call services only."""

from flask import Blueprint

from switchboard.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")

from switchboard.admin import (  # noqa: E402  (routes register on the blueprint)
    audit,
    keys,
    recordings,
    retention,
    rooms,
    views,
    waiting,
    webhooks,
)
from switchboard.services import projects  # noqa: E402

__all__ = [
    "audit",
    "bp",
    "init_app",
    "keys",
    "recordings",
    "retention",
    "rooms",
    "views",
    "waiting",
    "webhooks",
]


def init_app(app) -> None:
    """Log-in settings for Flask-Login, the template context, and the blueprint."""
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.session_protection = "strong"
    login_manager.user_loader(projects.get_user)
    app.context_processor(views.inject_user)
    app.register_blueprint(bp)

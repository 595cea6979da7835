"""Server-rendered admin at /admin: login, rooms and API keys. CSRF-protected forms."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from switchboard.admin import views, webhooks  # noqa: E402,F401

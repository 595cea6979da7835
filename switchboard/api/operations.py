"""Pages and probes outside the JSON API: `/` (where to go), `/healthz`, `/readyz`, and the
API reference at `/api/v1/docs` (swagger-ui from npm, served from static/vendor/)."""

from flask import Blueprint, jsonify, make_response, render_template, url_for

from switchboard.api import bp as api_bp
from switchboard.api.endpoint import endpoint
from switchboard.errors import ApiError
from switchboard.services import operations

bp = Blueprint("ops", __name__)


@bp.get("/")
def home():
    return render_template("site/home.html")


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. Touches nothing else, so it stays cheap."""
    return jsonify({"data": {"status": "ok"}})


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers. LiveKit and Redis are reported, not required."""
    components = operations.readiness()
    if components["database"] != "ok":
        error = ApiError(
            503,
            "The database is unreachable; this instance cannot serve requests.",
            code="database_unavailable",
        )
        response = jsonify(error.body())
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    return jsonify({"data": {"status": "ready", **components}})


@api_bp.get("/docs")
@endpoint("This API reference, as a web page", public=True, in_spec=False)
def docs():
    return make_response(render_template("site/docs.html", spec_url=url_for("api.openapi_json")))

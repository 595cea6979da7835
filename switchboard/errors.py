"""The one place that builds error responses.

API callers get the JSON envelope `{"error": {"type", "code", "message", "param"}}`;
browsers get an HTML page. Nothing from a traceback ever reaches a client.
"""

import logging

from flask import Response, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# HTTP status -> error `type` of the public contract.
ERROR_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "invalid_request",
    409: "conflict",
    413: "too_large",
    415: "invalid_request",
    422: "validation_error",
    429: "rate_limited",
    500: "api_error",
    502: "livekit_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with a public meaning. Raise it from services and views alike."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.type = ERROR_TYPES.get(status, "api_error")
        self.code = code or self.type
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict:
        error = {"type": self.type, "code": self.code, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}


def not_found(noun: str, param: str | None = None) -> ApiError:
    return ApiError(404, f"No such {noun}.", code="not_found", param=param)


def invalid(message: str, *, param: str | None = None, code: str = "invalid_request") -> ApiError:
    return ApiError(400, message, code=code, param=param)


def validation(message: str, *, param: str | None = None, code: str = "invalid") -> ApiError:
    return ApiError(422, message, code=code, param=param)


def conflict(message: str, *, code: str = "conflict", param: str | None = None) -> ApiError:
    return ApiError(409, message, code=code, param=param)


def wants_json() -> bool:
    """API and machine endpoints answer JSON; pages answer HTML."""
    path = request.path
    return path.startswith("/api/") or path.startswith("/livekit/")


def error_response(err: ApiError) -> Response:
    if wants_json():
        response = jsonify(err.body())
    else:
        html = render_template("error.html", status=err.status, message=err.message)
        response = Response(html, mimetype="text/html")
    response.status_code = err.status
    for name, value in err.headers.items():
        response.headers[name] = value
    return response


_HTTP_MESSAGES = {
    400: "The request could not be understood.",
    404: "Nothing is here.",
    405: "That method is not allowed on this URL.",
    413: "The request body is too large.",
    429: "Too many requests; slow down and retry after the time in Retry-After.",
    415: "Unsupported media type.",
}


def _from_http_exception(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    message = _HTTP_MESSAGES.get(status) or exc.description or exc.name
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}.get(status)
    err = ApiError(status, message, code=code)
    if status == 405 and getattr(exc, "valid_methods", None):
        err.headers["Allow"] = ", ".join(exc.valid_methods)
    return err


def _disk_full(exc: Exception) -> bool:
    """SQLite's "database or disk is full", PostgreSQL's DiskFull (SQLSTATE 53100)."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "pgcode", None) == "53100" or getattr(orig, "sqlstate", None) == "53100":
        return True
    text = str(orig or exc).lower()
    return "disk is full" in text or "no space left on device" in text


def database_error(exc: Exception) -> ApiError | None:
    """The database is down, restarting, out of connections or out of disk: a passing fault the
    client can retry, so 503 with `Retry-After` (never a 500). Other database errors (a
    statement the server rejected) are bugs and stay 500."""
    outage = isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if not outage and not (isinstance(exc, DBAPIError) and _disk_full(exc)):
        return None
    if _disk_full(exc):
        return ApiError(
            503,
            "The database is out of disk space; try again later.",
            code="storage_full",
            headers={"Retry-After": "30"},
        )
    return ApiError(
        503,
        "The database is unavailable; try again shortly.",
        code="database_unavailable",
        headers={"Retry-After": "5"},
    )


def _discard_session() -> None:
    """Roll back what the failed request began, so the next one starts on a fresh connection."""
    from switchboard.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone; the pool replaces it)
        db.session.invalidate()


def init_app(app) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(err: ApiError):
        return error_response(err)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        return error_response(_from_http_exception(exc))

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        err = database_error(exc)
        if err is not None:
            # The type only: a database error's text can quote the statement's parameters.
            log.warning(
                "database unavailable on %s %s (%s)", request.method, request.path, type(exc).__name__
            )
            _discard_session()
            return error_response(err)
        # Log the type and where, never request bodies: they may carry PHI or secrets.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "Something went wrong on our side.", code="internal_error"))

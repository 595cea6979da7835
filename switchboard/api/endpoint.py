"""The `endpoint` decorator every JSON API view wears.

It does the work every endpoint shares, so views stay a parse, a service call and a return:
- records the OpenAPI description the spec is generated from;
- wraps the view's result in the `{"data": …}` envelope;
- commits the transaction of a write, and makes POSTs idempotent under `Idempotency-Key`.

A view returns `ok(data, status)` or `page(result, build)`, or a Response.
"""

from functools import wraps

from flask import Response, g, jsonify, request
from sqlalchemy.exc import IntegrityError

from switchboard.errors import ApiError, conflict, invalid
from switchboard.extensions import db
from switchboard.plumbing import idempotency
from switchboard.plumbing.pagination import Page


class Result:
    def __init__(self, body: dict, status: int):
        self.body = body
        self.status = status


def ok(data, status: int = 200) -> Result:
    return Result({"data": data}, status)


def page(result: Page, build) -> Result:
    """A list response: each item of the page through `build(item)` (a response model)."""
    items = [build(item).dump() for item in result.items]
    return Result({"data": items, "has_more": result.has_more, "next_cursor": result.next_cursor}, 200)


def _respond(result) -> Response:
    if isinstance(result, Response):
        return result
    response = jsonify(result.body)
    response.status_code = result.status
    return response


def endpoint(
    summary: str,
    *,
    body=None,
    response=None,
    status: int = 200,
    paginated: bool = False,
    query: tuple = (),
    public: bool = False,
    tag: str | None = None,
    description: str | None = None,
    responses: dict | None = None,
    in_spec: bool = True,
):
    """Describe and wrap one API view. `body`/`response` are pydantic models for the spec;
    `in_spec=False` keeps a page for people (the API reference) out of the OpenAPI document."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST" and not public:
                return _idempotent(lambda: view(*args, **kwargs))
            result = view(*args, **kwargs)
            if request.method not in ("GET", "HEAD"):
                db.session.commit()
            return _respond(result)

        wrapper.openapi = {
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "paginated": paginated,
            "query": query,
            "public": public,
            "tag": tag,
            "description": description,
            "responses": responses,
            "in_spec": in_spec,
        }
        return wrapper

    return decorate


def _replay(existing, fp: str) -> Response:
    if existing.fingerprint != fp:
        raise conflict(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_conflict",
        )
    response = jsonify(existing.response_body)
    response.status_code = existing.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent(call) -> Response:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        result = call()
        db.session.commit()
        return _respond(result)
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise invalid("Idempotency-Key must be 1-255 printable characters.", param="Idempotency-Key")

    project_id = g.project_id
    fp = idempotency.fingerprint(request.method, request.path, request.get_data(cache=True))
    existing = idempotency.find(project_id, key)
    if existing is not None:
        return _replay(existing, fp)

    result = call()
    if isinstance(result, Result) and 200 <= result.status < 300:
        idempotency.record(project_id, key, fp, result.status, result.body)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        db.session.rollback()
        existing = idempotency.find(project_id, key)
        if existing is None:
            raise ApiError(
                409, "A request with this Idempotency-Key is in progress.", code="idempotency_conflict"
            ) from None
        return _replay(existing, fp)
    return _respond(result)

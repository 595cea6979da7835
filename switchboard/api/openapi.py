"""`GET /api/v1/openapi.json`: OpenAPI 3.1 generated from the routes and their schemas.

Every rule under /api/v1 must carry an `endpoint(...)` description; a route without one
makes the spec fail to build, so an undocumented route cannot ship.
"""

import re

from flask import current_app, jsonify
from pydantic.json_schema import models_json_schema

from switchboard.api import bp
from switchboard.api.endpoint import endpoint
from switchboard.api.schemas.common import ErrorBody

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"

_ERROR_RESPONSES = {
    "400": "Malformed request (bad JSON, bad query parameter or cursor).",
    "401": "Missing or invalid API key.",
    "404": "No such object in this project.",
    "409": "Conflict (closed room, idempotency key reused with another body).",
    "422": "A field failed validation; `error.param` names it.",
    "429": "Too many requests; see `Retry-After`.",
    "503": "A component is down for the moment: the database (`database_unavailable`), its disk is "
    "full (`storage_full`), or LiveKit where the operation needs it. Retry "
    "after `Retry-After` (a POST with the same `Idempotency-Key`, so it cannot apply twice).",
}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX) :] or "/")


def _views():
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = current_app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method.lower(), view


def build_spec() -> dict:
    """Assemble the OpenAPI document from the live URL map."""
    operations = []
    models = set()
    for rule, method, view in _views():
        meta = getattr(view, "openapi", None)
        if meta is None:
            raise RuntimeError(f"{method.upper()} {rule.rule} has no endpoint(...) description")
        if not meta["in_spec"]:  # a page for people (the reference itself), not an operation
            continue
        operations.append((rule, method, meta))
        for model in (meta["body"], meta["response"]):
            if model is not None:
                models.add(model)
    models.add(ErrorBody)

    mode_pairs = [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)]
    refs, schema = models_json_schema(mode_pairs, ref_template=REF)
    components = schema.get("$defs", {})

    paths: dict = {}
    for rule, method, meta in operations:
        paths.setdefault(_path(rule.rule), {})[method] = _operation(rule, method, meta, refs)

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard API",
            "version": "1.0.0",
            "description": "Rooms, join tokens, participants, chat, recordings and signed webhooks. "
            'Successful responses are `{"data": …}`; errors are `{"error": {type, code, message, param}}`. '
            "Every POST accepts an `Idempotency-Key` header: the same key and body within 24 h "
            "replays the first 2xx response; the same key with a different body is 409 "
            "`idempotency_conflict`. Every response carries `Cache-Control: no-store` (they hold "
            "join tokens, identities and chat) and `X-Content-Type-Options: nosniff`.",
        },
        "servers": [{"url": current_app.config["PUBLIC_URL"] + PREFIX}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A project secret key, sk_live_… or sk_test_…",
                }
            },
        },
        "security": [{"bearerAuth": []}],
        "paths": paths,
    }


def _ref(refs, model) -> dict:
    return refs[(model, "validation")]


def _operation(rule, method: str, meta: dict, refs) -> dict:
    op: dict = {
        "operationId": rule.endpoint.split(".")[-1],
        "summary": meta["summary"],
        "tags": [meta["tag"]] if meta["tag"] else [],
    }
    if meta["description"]:
        op["description"] = meta["description"]
    if meta["public"]:
        op["security"] = []

    params = [
        {"name": arg, "in": "path", "required": True, "schema": {"type": "string"}}
        for arg in sorted(rule.arguments)
    ]
    for name, schema, description, *required in meta["query"]:
        params.append(
            {
                "name": name,
                "in": "query",
                "required": bool(required and required[0]),
                "schema": schema,
                "description": description,
            }
        )
    if meta["paginated"]:
        params.append(
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            }
        )
        params.append(
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "`next_cursor` of the previous page.",
            }
        )
    if method == "post" and not meta["public"]:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    if params:
        op["parameters"] = params

    if meta["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(refs, meta["body"])}},
        }

    # The success response is generated from the response model; `responses` adds to it (or
    # replaces it, for routes without a JSON body). Error entries get the error envelope schema.
    responses: dict = {}
    if meta["response"] is not None or not meta["responses"]:
        responses[str(meta["status"])] = _success(meta, refs)
    error = {"content": {"application/json": {"schema": _ref(refs, ErrorBody)}}}
    for code, extra in (meta["responses"] or {}).items():
        responses[code] = {**error, **extra} if code >= "400" else extra
    for code, text in _ERROR_RESPONSES.items():
        if code == "401" and meta["public"]:
            continue
        responses.setdefault(code, {"description": text, **error})
    op["responses"] = responses
    return op


def _success(meta: dict, refs) -> dict:
    if meta["response"] is None:
        return {"description": "Success."}
    item = _ref(refs, meta["response"])
    if meta["paginated"]:
        schema = {
            "type": "object",
            "required": ["data", "has_more", "next_cursor"],
            "properties": {
                "data": {"type": "array", "items": item},
                "has_more": {"type": "boolean"},
                "next_cursor": {"type": ["string", "null"]},
            },
        }
    else:
        schema = {"type": "object", "required": ["data"], "properties": {"data": item}}
    return {"description": "Success.", "content": {"application/json": {"schema": schema}}}


@bp.get("/openapi.json")
@endpoint(
    "This OpenAPI document",
    public=True,
    tag="Meta",
    responses={"200": {"description": "The OpenAPI 3.1 document."}},
)
def openapi_json():
    return jsonify(build_spec())

"""The OpenAPI document is complete and true to the routes."""

import re

from switchboard.api.openapi import PREFIX


def _routed(app) -> set[tuple[str, str]]:
    pairs = set()
    for rule in app.url_map.iter_rules():
        # Pages for people (the reference at /docs) say so with endpoint(in_spec=False).
        if getattr(app.view_functions[rule.endpoint], "openapi", {}).get("in_spec") is False:
            continue
        if rule.rule.startswith(PREFIX):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                pairs.add((path, method.lower()))
    return pairs


def test_spec_is_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_route_is_in_the_spec_and_every_spec_path_is_routed(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == _routed(app)


def test_every_referenced_schema_exists(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', __import__("json").dumps(spec)))
    assert refs <= set(spec["components"]["schemas"])


def test_room_create_schema_forbids_unknown_fields_and_requires_name(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    create = schemas["RoomCreate"]
    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"name", "capabilities"}


def test_room_responses_validate_against_the_spec(api, client):
    jsonschema = __import__("pytest").importorskip("jsonschema")
    spec = client.get("/api/v1/openapi.json").get_json()
    room = api.create_room(metadata={"a": 1})
    schema = dict(spec["components"]["schemas"]["RoomOut"])
    schema["$defs"] = spec["components"]["schemas"]
    text = __import__("json").dumps(schema).replace("#/components/schemas/", "#/$defs/")
    jsonschema.validate(room, __import__("json").loads(text))

"""Tenant isolation, generated from the URL map: every API route that names an object, called
with another project's key, answers 404 in the envelope, shows nothing of the object and
changes nothing. Lists show none of the other project's objects.

A new route whose path parameter has no factory below fails this test until one is added, so
isolation is checked for every object type the API grows."""

import json

import pytest
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.livekit.client import Participant as LiveParticipant
from switchboard.models import Recording
from switchboard.plumbing import events
from switchboard.services import chat, rooms, tokens, webhooks
from switchboard.services.rooms import roster, waiting
from tests.conftest import Api, make_key

PREFIX = "/api/v1"
IDENTITY = "patient-tenant-a"


@pytest.fixture
def objects(app, api):
    """One of everything in project acme (api's), reachable by id."""
    room_id = api.create_room(name="Acme visit", waiting_room=True, metadata={"secret": "acme-only"})["id"]
    room = rooms.find_room(room_id)
    issued = tokens.issue_token(room, identity=IDENTITY, role="host")
    info = LiveParticipant(
        sid="PA_a",
        identity=IDENTITY,
        name="Acme patient",
        token_id=issued.record.id,
        role="host",
        joined_at=0,
    )
    row = roster.record_joined(room, info, livekit_sid="RM_a")
    claims = tokens.authenticate(issued.jwt)[0]
    chat.post_message(room.id, claims, "acme private chat body")
    waiting_token = tokens.issue_token(room, identity="waiting-a", role="patient")
    waiting.arrived(
        room,
        LiveParticipant(
            sid="PA_w",
            identity="waiting-a",
            name="W",
            token_id=waiting_token.record.id,
            role="patient",
            joined_at=0,
        ),
        livekit_sid="RM_a",
    )
    db.session.commit()
    endpoint = api.post("/webhook_endpoints", json={"url": "http://127.0.0.1:9/acme", "events": ["*"]})
    endpoint_id = endpoint.get_json()["data"]["id"]
    event = events.emit(room.project_id, "room.created", {"room_id": room.id})
    delivery = webhooks.fan_out(event.id)[0]
    # A finished recording (a pointer only: no bucket is reached by the refused calls).
    recording = Recording(
        project_id=room.project_id,
        room_id=room.id,
        status="completed",
        layout="grid",
        format="mp4",
        bucket="acme-bucket",
        object_key=f"visits/{room.id}/rec.mp4",
    )
    db.session.add(recording)
    db.session.commit()
    policy = {
        "chat_messages_days": 17,
        "sessions_days": 18,
        "recordings_days": 19,
        "webhook_deliveries_days": 20,
    }
    response = api.client.put(
        "/api/v1/retention", json=policy, headers={"Authorization": f"Bearer {api.key}"}
    )
    assert response.status_code == 200, response.get_json()
    return {
        "room_id": room.id,
        "session_id": row.session_id,
        "endpoint_id": endpoint_id,
        "delivery_id": delivery.id,
        "recording_id": recording.id,
        "identity": IDENTITY,
    }


def snapshot() -> str:
    """Every row of every table, in a stable order."""
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(json.dumps([str(v) for v in row]) for row in rows)
    return json.dumps(out)


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "openapi", {}).get("public"):
            continue  # token-authenticated routes (the chat socket, realtime/info) have no project key
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def path_for(rule, objects) -> str:
    missing = sorted(set(rule.arguments) - set(objects))
    assert not missing, f"{rule.rule}: add a factory for {missing} to this test"
    return rule.rule[len(PREFIX) :].replace("<", "{").replace(">", "}").format(**objects)


def test_every_route_naming_another_projects_object_is_a_404_that_changes_nothing(app, objects, other_api):
    before = snapshot()
    secrets = list(objects.values()) + ["acme-only", "acme private chat body", "Acme patient", "acme-bucket"]
    checked = []
    for rule, method in api_routes(app):
        if not rule.arguments:
            continue
        path = path_for(rule, objects)
        call = getattr(other_api, method.lower())
        response = call(path, json={}) if method in ("POST", "PATCH") else call(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 404, (method, path, response.status_code, body[:300])
        assert response.get_json()["error"]["code"] == "not_found", (method, path, body[:300])
        leaked = [value for value in secrets if value in body and value not in path]
        assert not leaked, (method, path, leaked)
        checked.append(f"{method} {rule.rule}")
    assert snapshot() == before
    assert len(checked) >= 20, checked


def test_lists_show_none_of_another_projects_objects(app, client, objects, other_api):
    fresh = Api(client, make_key(app, "initech"))
    for rule, method in api_routes(app):
        if rule.arguments or method != "GET" or rule.rule.endswith("openapi.json"):
            continue
        response = other_api.get(rule.rule[len(PREFIX) :])
        body = response.get_data(as_text=True)
        if response.status_code == 404:  # a per-project singleton the other project has not set
            assert response.get_json()["error"]["code"] == "not_found", (rule.rule, body[:300])
        elif isinstance(response.get_json().get("data"), dict):
            # A per-project singleton with defaults (the retention policy): the other project
            # sees exactly what a project that never set it sees.
            assert response.status_code == 200, (rule.rule, body[:200])
            assert response.get_json() == fresh.get(rule.rule[len(PREFIX) :]).get_json(), rule.rule
        else:
            assert response.status_code == 200, (rule.rule, body[:200])
            assert response.get_json()["data"] == [], (rule.rule, body[:300])
        assert not [v for v in objects.values() if v in body]

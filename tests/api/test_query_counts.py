"""List endpoints and the admin index run a constant number of SQL statements per page,
whatever the number of items (no query per room, session or participant)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from switchboard.extensions import db
from switchboard.livekit.client import Participant as LiveParticipant
from switchboard.livekit.client import Track
from switchboard.models import Project
from switchboard.plumbing import events
from switchboard.services import rooms, tokens, webhooks
from switchboard.services.rooms import roster
from tests.admin.conftest import create_admin, log_in


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client_call) -> int:
    db.session.remove()
    with counting() as statements:
        response = client_call()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return len(statements)


def join(room, identity: str, *, livekit_sid: str, track: Track | None = None) -> None:
    """`identity` connects to the room's media, as LiveKit would report it."""
    issued = tokens.issue_token(room, identity=identity)
    info = LiveParticipant(
        sid=f"PA_{identity}",
        identity=identity,
        name=identity,
        token_id=issued.record.id,
        role="participant",
        joined_at=0,
        tracks=[track] if track else [],
    )
    roster.record_joined(room, info, livekit_sid=livekit_sid)


def populate(api, n: int) -> list[str]:
    """`n` rooms, each with two people connected (tracks and all) and one finished session."""
    ids = []
    for i in range(n):
        room_id = api.create_room(name=f"Room {i}")["id"]
        room = rooms.find_room(room_id)
        for who in ("patient", "clinician"):
            camera = Track(sid=f"TR_{who}_{i}", kind="video", source="camera", muted=False)
            join(room, f"{who}-{i}", livekit_sid=f"RM_{i}", track=camera)
        db.session.commit()
        ids.append(room_id)
    return ids


@pytest.mark.parametrize("path", ["/rooms", "/rooms?status=active"])
def test_listing_rooms_costs_the_same_for_5_or_25_rooms(api, path):
    populate(api, 5)
    few = statements_for(lambda: api.get(path + ("&" if "?" in path else "?") + "limit=100"))
    populate(api, 20)
    many = statements_for(lambda: api.get(path + ("&" if "?" in path else "?") + "limit=100"))
    assert few == many


def test_the_roster_costs_the_same_for_2_or_12_participants(api):
    room_id = populate(api, 1)[0]
    few = statements_for(lambda: api.get(f"/rooms/{room_id}/participants?limit=100"))
    room = rooms.find_room(room_id)
    for i in range(10):
        mic = Track(sid=f"TR_extra_{i}", kind="audio", source="microphone", muted=False)
        join(room, f"extra-{i}", livekit_sid="RM_0", track=mic)
    db.session.commit()
    many = statements_for(lambda: api.get(f"/rooms/{room_id}/participants?limit=100"))
    assert few == many


def test_listing_sessions_costs_the_same_for_1_or_6_sessions(api):
    room_id = populate(api, 1)[0]
    room = rooms.find_room(room_id)
    few = statements_for(lambda: api.get(f"/rooms/{room_id}/sessions?limit=100"))
    for i in range(5):
        roster.end_open_session(room, reason="left")
        join(room, f"again-{i}", livekit_sid=f"RM_again_{i}")
    db.session.commit()
    many = statements_for(lambda: api.get(f"/rooms/{room_id}/sessions?limit=100"))
    assert few == many


def test_listing_webhook_deliveries_costs_the_same_for_1_or_10(api):
    endpoint = api.post("/webhook_endpoints", json={"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    endpoint_id = endpoint.get_json()["data"]["id"]
    project_id = db.session.scalar(db.select(Project.id).where(Project.name == "acme"))

    def deliveries(n):
        for _ in range(n):
            webhooks.fan_out(events.emit(project_id, "room.created", {"room_id": "rm_x"}).id)
        db.session.commit()

    deliveries(1)
    few = statements_for(lambda: api.get(f"/webhook_endpoints/{endpoint_id}/deliveries?limit=100"))
    deliveries(9)
    many = statements_for(lambda: api.get(f"/webhook_endpoints/{endpoint_id}/deliveries?limit=100"))
    assert few == many


def test_the_admin_index_costs_the_same_for_5_or_25_rooms(app, api, client):
    create_admin()
    assert log_in(client).status_code == 302
    populate(api, 5)
    few = statements_for(lambda: client.get("/admin/"))
    populate(api, 20)
    many = statements_for(lambda: client.get("/admin/"))
    assert few == many

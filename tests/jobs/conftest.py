"""Rows for the retention purge tests: two projects, each with a closed and a live room and
webhook deliveries, every kind with rows older and newer than POLICY's limits."""

import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.models import (
    ChatMessage,
    Event,
    Participant,
    ParticipantTrack,
    Project,
    Room,
    Session,
    WaitingEntry,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from switchboard.models.base import utcnow

POLICY = {"chat_messages_days": 30, "sessions_days": 30, "recordings_days": 30, "webhook_deliveries_days": 7}
OLD, RECENT = 40, 1  # days ago: past every limit of POLICY, and within all of them


def ago(days: float):
    return utcnow() - timedelta(days=days)


def project_id(name: str) -> str:
    return db.session.scalar(db.select(Project.id).where(Project.name == name))


def set_policy(api, body=POLICY):
    response = api.client.put("/api/v1/retention", json=body, headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 200, response.get_json()


def seed_room(pid: str, *, status: str, tag: str) -> str:
    """A room with an old and a recent session, chat message, waiting entry and personal events."""
    room = Room(
        project_id=pid,
        name=f"Visit {tag}",
        status=status,
        capabilities=["video", "chat"],
        max_participants=10,
        empty_timeout=300,
        region="local",
        metadata_={},
        created_at=ago(OLD + 1),
        closed_at=ago(RECENT) if status == "closed" else None,
    )
    db.session.add(room)
    db.session.flush()
    for age, label in ((OLD, "old"), (RECENT, "new")):
        session = Session(project_id=pid, room_id=room.id, started_at=ago(age), created_at=ago(age))
        db.session.add(session)
        db.session.flush()
        person = Participant(
            project_id=pid,
            room_id=room.id,
            session_id=session.id,
            sid=f"PA_{label}",
            identity=f"patient-{tag}-{label}",
            identity_hash=uuid.uuid4().hex,
            name="Jane Roe",
            role="patient",
            joined_at=ago(age),
            created_at=ago(age),
            state="disconnected",
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(
            ParticipantTrack(participant_id=person.id, sid=f"TR_{label}", kind="audio", source="microphone")
        )
        seq = 1 if label == "old" else 2
        db.session.add(
            ChatMessage(
                project_id=pid,
                room_id=room.id,
                seq=seq,
                sender_identity=person.identity,
                body=f"my symptoms {tag}-{label}",
                sent_at=ago(age),
            )
        )
        db.session.add(
            WaitingEntry(
                project_id=pid,
                room_id=room.id,
                identity=f"waiting-{label}",
                identity_hash=uuid.uuid4().hex,
                name="Waiting Person",
                role="patient",
                status="admitted",
                waiting_since=ago(age),
            )
        )
        db.session.add(
            Event(
                project_id=pid,
                type="message.created",
                data={"room_id": room.id, "body": f"my symptoms {tag}-{label}"},
                created_at=ago(age),
            )
        )
        db.session.add(
            Event(
                project_id=pid,
                type="participant.joined",
                data={"room_id": room.id, "identity": person.identity},
                created_at=ago(age),
            )
        )
    db.session.commit()
    return room.id


def seed_deliveries(pid: str) -> dict[str, str]:
    endpoint = WebhookEndpoint(project_id=pid, url="http://127.0.0.1:9/hook", events=["*"], secret="whsec_x")
    event = Event(project_id=pid, type="room.created", data={"room_id": "rm_x"}, created_at=ago(OLD))
    db.session.add_all([endpoint, event])
    db.session.flush()
    ids = {}
    for label, status, age in (
        ("old_succeeded", "succeeded", OLD),
        ("old_failed", "failed", OLD),
        ("old_pending", "pending", OLD),
        ("new_succeeded", "succeeded", RECENT),
    ):
        other_event = Event(
            project_id=pid, type="room.created", data={"room_id": "rm_x"}, created_at=ago(age)
        )
        db.session.add(other_event)
        db.session.flush()
        delivery = WebhookDelivery(
            project_id=pid,
            endpoint_id=endpoint.id,
            event_id=other_event.id,
            event_type="room.created",
            status=status,
            created_at=ago(age),
        )
        db.session.add(delivery)
        db.session.flush()
        db.session.add(
            WebhookAttempt(delivery_id=delivery.id, endpoint_id=endpoint.id, attempted_at=ago(age))
        )
        ids[label] = delivery.id
    db.session.commit()
    return ids


@pytest.fixture
def world(api, other_api):
    """acme (with POLICY) and globex (no policy) each hold a closed and a live room and
    deliveries, all with rows older and newer than POLICY's limits."""
    set_policy(api)
    other_api.get("/retention")  # globex exists with its key
    out = {}
    for name in ("acme", "globex"):
        pid = project_id(name)
        out[name] = {
            "project_id": pid,
            "closed": seed_room(pid, status="closed", tag=f"{name}-closed"),
            "live": seed_room(pid, status="active", tag=f"{name}-live"),
            "deliveries": seed_deliveries(pid),
        }
    return out


def purge_now(runner, *args) -> dict:
    result = runner.invoke(args=["retention", "purge", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return json.loads(result.stdout)


def count(model, *where) -> int:
    return db.session.scalar(db.select(sa.func.count()).select_from(model).where(*where))


def room_rows(room_id: str) -> dict[str, int]:
    return {
        "messages": count(ChatMessage, ChatMessage.room_id == room_id),
        "sessions": count(Session, Session.room_id == room_id),
        "participants": count(Participant, Participant.room_id == room_id),
        "waiting": count(WaitingEntry, WaitingEntry.room_id == room_id),
    }


def personal_events(room_id: str) -> list[dict]:
    rows = db.session.scalars(
        db.select(Event).where(Event.type.in_(("message.created", "participant.joined")))
    )
    return sorted((e.data for e in rows if e.data.get("room_id") == room_id), key=json.dumps)

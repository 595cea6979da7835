"""Idempotency-Key on POST: replay, conflict, scope and expiry."""

from datetime import timedelta

from switchboard.extensions import db
from switchboard.models import IdempotencyKey, Room
from switchboard.models.base import utcnow

BODY = {"room": {"name": "Patient intake", "capabilities": ["video", "chat"]}}


def rooms_in_db() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Room))


def test_same_key_and_body_replays_the_first_response(api):
    first = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-1"})
    second = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert rooms_in_db() == 1


def test_same_key_with_a_different_body_is_409(api):
    api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-2"})
    other = {"room": {"name": "Something else", "capabilities": ["chat"]}}
    response = api.post("/rooms", json=other, headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_conflict"
    assert rooms_in_db() == 1


def test_keys_are_scoped_per_project(api, other_api):
    a = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "shared"})
    b = other_api.post("/rooms", json=BODY, headers={"Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 201
    assert a.get_json()["data"]["id"] != b.get_json()["data"]["id"]
    assert rooms_in_db() == 2


def test_a_failed_request_is_not_stored_so_a_corrected_retry_works(api):
    bad = api.post("/rooms", json={"room": {"name": "x"}}, headers={"Idempotency-Key": "k-3"})
    assert bad.status_code == 422
    good = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-3"})
    assert good.status_code == 201


def test_without_a_key_each_post_creates(api):
    api.post("/rooms", json=BODY)
    api.post("/rooms", json=BODY)
    assert rooms_in_db() == 2


def test_an_expired_key_is_forgotten(app, api):
    first = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-4"})
    record = db.session.scalar(db.select(IdempotencyKey))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    second = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-4"})
    assert second.status_code == 201
    assert second.get_json()["data"]["id"] != first.get_json()["data"]["id"]


def test_keys_are_kept_24_hours(app, api):
    api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k-5"})
    record = db.session.scalar(db.select(IdempotencyKey))
    kept = record.expires_at - record.created_at
    assert timedelta(hours=23, minutes=59) < kept <= timedelta(hours=24)


def test_an_overlong_key_is_400(api):
    response = api.post("/rooms", json=BODY, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "Idempotency-Key"
    assert rooms_in_db() == 0

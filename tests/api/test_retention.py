"""The retention policy API: defaults, validation in the envelope, audit, auth and tenant
isolation. SQLite and PostgreSQL."""

import pytest

from switchboard.extensions import db
from switchboard.models import AuditEntry, RetentionPolicy

FULL = {"chat_messages_days": 30, "sessions_days": 90, "recordings_days": 365, "webhook_deliveries_days": 7}


def put(api, body, key=None):
    return api.client.put(
        "/api/v1/retention", json=body, headers={"Authorization": f"Bearer {key or api.key}"}
    )


def test_a_new_project_keeps_everything_forever(api):
    response = api.get("/retention")
    assert response.status_code == 200
    assert response.get_json()["data"] == {
        "chat_messages_days": None,
        "sessions_days": None,
        "recordings_days": None,
        "webhook_deliveries_days": None,
        "audit_log_days": None,
        "updated_at": None,
    }
    assert db.session.scalar(db.select(db.func.count(RetentionPolicy.project_id))) == 0


def test_put_stores_the_policy_and_get_returns_it(api):
    response = put(api, FULL)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert {k: data[k] for k in FULL} == FULL
    assert data["audit_log_days"] is None and data["updated_at"].endswith("Z")
    assert api.get("/retention").get_json()["data"] == data


def test_put_replaces_the_whole_policy_and_omitted_fields_become_null(api):
    assert put(api, FULL).status_code == 200
    response = put(api, {"chat_messages_days": 14})
    assert response.status_code == 200
    data = api.get("/retention").get_json()["data"]
    assert data["chat_messages_days"] == 14
    assert data["sessions_days"] is None and data["recordings_days"] is None
    assert data["webhook_deliveries_days"] is None


def test_null_keeps_a_kind_forever(api):
    assert put(api, FULL).status_code == 200
    assert put(api, {**FULL, "recordings_days": None}).status_code == 200
    assert api.get("/retention").get_json()["data"]["recordings_days"] is None


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"chat_messages_days": 0}, "chat_messages_days", "invalid_field"),
        ({"sessions_days": -5}, "sessions_days", "invalid_field"),
        ({"recordings_days": 3651}, "recordings_days", "invalid_field"),
        ({"webhook_deliveries_days": "30"}, "webhook_deliveries_days", "invalid_field"),
        ({"webhook_deliveries_days": 1.5}, "webhook_deliveries_days", "invalid_field"),
        ({"chat_messages_days": True}, "chat_messages_days", "invalid_field"),
        ({"audit_log_days": 30}, "audit_log_days", "unknown_field"),
        ({"chat_days": 30}, "chat_days", "unknown_field"),
    ],
)
def test_bad_values_are_a_422_naming_the_field_and_change_nothing(api, body, param, code):
    assert put(api, FULL).status_code == 200
    before = api.get("/retention").get_json()["data"]
    response = put(api, body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["type"] == "validation_error" and error["param"] == param and error["code"] == code
    assert api.get("/retention").get_json()["data"] == before


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_a_json_object_is_refused(api, raw):
    response = api.client.put(
        "/api/v1/retention",
        data=raw,
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()
    assert api.get("/retention").get_json()["data"]["updated_at"] is None


def test_bounds_are_inclusive(api):
    assert put(api, {"chat_messages_days": 1, "sessions_days": 3650}).status_code == 200


def test_setting_the_policy_is_audited_with_the_changed_fields(api):
    assert put(api, FULL).status_code == 200
    assert put(api, {**FULL, "sessions_days": 30}).status_code == 200
    entries = list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.action == "retention.updated")
            .order_by(AuditEntry.created_at)
        )
    )
    assert len(entries) == 2
    assert entries[0].detail["fields"] == sorted(f for f in FULL)
    assert entries[1].detail == {"fields": ["sessions_days"], "policy": {**FULL, "sessions_days": 30}}
    events = api.get("/audit_events?action=retention.updated").get_json()["data"]
    assert len(events) == 2


def test_the_policy_needs_a_key(client):
    assert client.get("/api/v1/retention").status_code == 401
    response = client.put("/api/v1/retention", json=FULL)
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "unauthorized"


def test_each_project_has_its_own_policy(api, other_api):
    assert put(api, FULL).status_code == 200
    assert other_api.get("/retention").get_json()["data"]["chat_messages_days"] is None
    assert put(other_api, {"chat_messages_days": 2}).status_code == 200
    assert api.get("/retention").get_json()["data"]["chat_messages_days"] == 30

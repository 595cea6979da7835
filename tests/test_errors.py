"""errors.database_error: which database failures are a passing outage (503) and which are bugs."""

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from switchboard import create_app
from switchboard.errors import database_error
from tests.support.servers import free_port


def test_an_unreachable_database_is_a_503_envelope_with_retry_after():
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    response = app.test_client().get("/api/v1/rooms", headers={"Authorization": "Bearer sk_live_x"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {
        "error": {
            "type": "unavailable",
            "code": "database_unavailable",
            "message": "The database is unavailable; try again shortly.",
        }
    }


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (
            OperationalError("insert", {}, sqlite3.OperationalError("database or disk is full")),
            "storage_full",
        ),
        (
            OperationalError("select", {}, sqlite3.OperationalError("unable to open database")),
            "database_unavailable",
        ),
        (IntegrityError("insert", {}, sqlite3.IntegrityError("UNIQUE constraint failed")), None),
        (ValueError("not a database error"), None),
    ],
)
def test_database_errors_are_classified(exc, code):
    err = database_error(exc)
    assert (err.code if err else None) == code
    if err:
        assert err.status == 503 and err.type == "unavailable"

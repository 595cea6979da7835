"""Shared fixtures: the app on a real database (SQLite and PostgreSQL), a client, API keys.

Every test that uses `app` runs once per database backend. The schema is built by the real
migrations once per backend per session; between tests every table is emptied.
"""

import os
import time
import uuid

import pytest
import sqlalchemy as sa

from switchboard import create_app
from switchboard.extensions import db
from switchboard.models import Project
from switchboard.plumbing import events
from tests.support.components import require_component
from tests.support.webhook_receiver import Receiver

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_admin_url():
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql://switchboard:switchboard@127.0.0.1:5432/postgres")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        require_component("PostgreSQL", f"cannot connect to {url.split('@')[-1]}: {exc.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory, request):
    """One migrated database per backend, created lazily and dropped at the end."""
    urls: dict[str, str] = {}
    created_pg: list[tuple[str, str]] = []

    def get(backend: str) -> str:
        if backend in urls:
            return urls[backend]
        if backend == "sqlite":
            url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        else:
            admin_url = request.getfixturevalue("postgres_admin_url")
            name = "switchboard_test_" + uuid.uuid4().hex[:10]
            engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f'create database "{name}"'))
            engine.dispose()
            url = admin_url.rsplit("/", 1)[0] + "/" + name
            created_pg.append((admin_url, name))
        migrate_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with migrate_app.app_context():
            from flask_migrate import upgrade

            upgrade()
            db.engine.dispose()
        urls[backend] = url
        return url

    yield get

    for admin_url, name in created_pg:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        engine.dispose()


def _empty_all_tables(attempts: int = 3) -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                if db.engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in tables)
                    conn.execute(sa.text(f"truncate {names} restart identity cascade"))
                else:
                    for table in tables:
                        conn.execute(table.delete())
            return
        except sa.exc.OperationalError:
            # A server of an end-to-end test may still be writing (a late LiveKit webhook):
            # PostgreSQL breaks the deadlock with the truncate; try again.
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config() -> dict:
    """Extra settings for a test; override this fixture in a module to change them."""
    return {}


@pytest.fixture
def app(backend, database_urls, app_config):
    url = database_urls(backend)
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "PUBLIC_URL": "http://switchboard.test",
            **app_config,
        }
    )
    with application.app_context():
        _empty_all_tables()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_key(app, project: str = "acme") -> str:
    from switchboard.services import projects

    with app.app_context():
        key = projects.create_key(projects.get_or_create_project(project))[1]
        db.session.commit()
        return key


class Api:
    """A tiny client for the JSON API with a project's key."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        headers.update(extra or {})
        return headers

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(
            "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path, json=None, **kw):
        return self.client.patch(
            "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path, **kw):
        return self.client.delete("/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw)

    def mint(self, room_id: str, identity: str = "patient-9182", **body) -> dict:
        """A join token for `identity` (the `POST …/tokens` response data)."""
        response = self.post(f"/rooms/{room_id}/tokens", json={"identity": identity, **body})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def create_room(self, **fields):
        room = {"name": "Patient intake", "capabilities": ["video", "chat"]}
        room.update(fields)
        response = self.post("/rooms", json={"room": room})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]


@pytest.fixture
def api(app, client):
    return Api(client, make_key(app, "acme"))


@pytest.fixture
def other_api(app, client):
    return Api(client, make_key(app, "globex"))


@pytest.fixture
def receiver(tmp_path):
    """`receiver()` starts a new webhook receiver process; all are stopped afterwards."""
    started: list[Receiver] = []

    def start() -> Receiver:
        item = Receiver(str(tmp_path / f"received-{len(started)}.jsonl"))
        started.append(item)
        return item.start()

    yield start
    for item in started:
        item.stop()


@pytest.fixture
def emit(app):
    """`emit(type, data)` records an event for project acme and commits, as the product does."""

    def record(type: str, data: dict | None = None, project: str = "acme"):
        project_id = db.session.scalar(db.select(Project.id).where(Project.name == project))
        event = events.emit(project_id, type, data or {"room_id": "rm_test"})
        db.session.commit()
        return event.id

    return record

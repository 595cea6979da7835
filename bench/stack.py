"""What the benchmarks share: fresh databases, API keys, percentiles."""

import contextlib
import os
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://switchboard:switchboard@127.0.0.1:5432/postgres"
)


@contextlib.contextmanager
def migrated_database(backend: str = "postgresql"):
    """A fresh, migrated PostgreSQL database (dropped afterwards); yields its URL."""
    from flask_migrate import upgrade

    from switchboard import create_app
    from switchboard.extensions import db

    name = "switchboard_bench_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def project_key(database_url: str) -> str:
    """An API key of a new project."""
    from switchboard import create_app
    from switchboard.extensions import db
    from switchboard.services import projects

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        key = projects.create_key(projects.get_or_create_project("bench-" + uuid.uuid4().hex[:8]))[1]
        db.session.commit()
        db.engine.dispose()
    return key


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]

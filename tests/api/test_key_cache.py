"""The per-process cache of verified API keys: a cached key skips the database, and a
revocation still takes effect at once, in this process and (through Redis) in others."""

import time

import pytest
import redis

from switchboard import create_app
from switchboard.extensions import db
from switchboard.models import ApiKey
from switchboard.services import projects
from tests.api.test_query_counts import counting
from tests.conftest import make_key
from tests.support.components import require_component
from tests.support.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def _require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_component("Redis", f"cannot reach {REDIS_URL}: {exc}")


def _revoke_all() -> None:
    for key in db.session.scalars(db.select(ApiKey)):
        projects.revoke_key(key)
    db.session.commit()


def test_a_cached_key_is_not_read_again(app, client):
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    with counting() as statements:
        assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    assert not [s for s in statements if "api_keys" in s]


def test_without_the_cache_every_request_reads_the_key(app, client):
    app.config["API_KEY_CACHE_SECONDS"] = 0
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    with counting() as statements:
        assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    assert [s for s in statements if "api_keys" in s]


def test_an_expired_entry_reads_the_key_again(app, client):
    app.config["API_KEY_CACHE_SECONDS"] = 0.05
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    # Revoked behind the cache's back (no revoke_key, so no invalidation): the entry's
    # lifetime is the bound.
    db.session.execute(db.update(ApiKey).values(revoked_at=db.func.now()))
    db.session.commit()
    time.sleep(0.1)
    assert client.get("/api/v1/rooms", headers=headers).status_code == 401


def test_revoking_in_another_process_takes_effect_at_once_through_redis(app, client, backend):
    """Two apps on one database stand for two web processes; each has its own cache."""
    _require_redis()
    app.config["REDIS_URL"] = REDIS_URL
    app.config["API_KEY_CACHE_SECONDS"] = 3600
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200  # now cached here
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "REDIS_URL": REDIS_URL,
        }
    )
    with other.app_context():
        _revoke_all()
        db.session.remove()
        db.engine.dispose()
    response = client.get("/api/v1/rooms", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_when_redis_is_unreachable_keys_are_read_from_the_database(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.config["API_KEY_CACHE_SECONDS"] = 3600
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    with counting() as statements:
        assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    assert [s for s in statements if "api_keys" in s]
    db.session.execute(db.update(ApiKey).values(revoked_at=db.func.now()))
    db.session.commit()
    assert client.get("/api/v1/rooms", headers=headers).status_code == 401


@pytest.mark.parametrize("cache_seconds", [0, 3600])
def test_revoking_here_takes_effect_at_once(app, client, cache_seconds):
    app.config["API_KEY_CACHE_SECONDS"] = cache_seconds
    headers = {"Authorization": f"Bearer {make_key(app)}"}
    assert client.get("/api/v1/rooms", headers=headers).status_code == 200
    _revoke_all()
    assert client.get("/api/v1/rooms", headers=headers).status_code == 401

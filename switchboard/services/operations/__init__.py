"""What an operator's probes ask: is the process ready to serve, and are its components up.

The database decides readiness; LiveKit and Redis are reported (a call page needs LiveKit,
fan-out across processes needs Redis) but do not make the process unready: the API keeps
answering without them.
"""

import logging

import redis
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from switchboard.extensions import db
from switchboard.livekit import client as livekit

log = logging.getLogger(__name__)

__all__ = ["readiness"]


def _database() -> bool:
    try:
        db.session.execute(text("select 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        db.session.rollback()
        return False


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not_configured"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except redis.RedisError as exc:
        log.warning("readiness: Redis unreachable (%s)", type(exc).__name__)
        return "unreachable"


def readiness() -> dict:
    """`{database, livekit, redis}`: each `ok`, `unreachable` (Redis also `not_configured`)."""
    return {
        "database": "ok" if _database() else "unreachable",
        "livekit": "ok" if livekit.reachable() else "unreachable",
        "redis": _redis(),
    }

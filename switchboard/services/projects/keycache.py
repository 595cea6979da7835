"""A per-process cache of verified API keys, so a request does not read its key every time.

`authenticate` runs before every API request; without this cache it is a database round
trip (and a pool checkout) of its own. The cache maps the key's SHA-256 (never the secret)
to its id and project for `API_KEY_CACHE_SECONDS` (default 5; 0 turns the cache off).

Revocation still takes effect:
- in the process that revokes, at once: the whole cache is dropped after the commit;
- in other processes with `REDIS_URL`, at once: revoking increments a counter in Redis, and
  every cached hit compares it with the counter its entry was cached under (one Redis GET,
  cheaper than the database read it replaces); if Redis cannot be read, the key is read
  from the database as without the cache;
- in other processes without Redis (one web process is the supported setup then), within
  `API_KEY_CACHE_SECONDS`.
Only good keys are cached: an unknown or revoked key is looked up every time.
"""

import logging
import threading
import time
from dataclasses import dataclass

import redis
from flask import current_app

log = logging.getLogger(__name__)

_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class CachedKey:
    id: str
    project_id: str
    expires: float
    version: int | None


_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def _entries() -> dict[str, CachedKey]:
    """This app's cache (an app is one database; tests make many apps in one process)."""
    return current_app.extensions.setdefault("switchboard_api_key_cache", {})


def _ttl() -> float:
    return float(current_app.config.get("API_KEY_CACHE_SECONDS", 5))


def _redis() -> redis.Redis | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return client


def _version_key() -> str:
    return current_app.config["REALTIME_CHANNEL_PREFIX"] + ":api-keys-revoked"


class _Unknown(Exception):
    """The revocation counter could not be read: trust nothing cached."""


def _version() -> int | None:
    """The revocation counter in Redis; None without Redis; raises _Unknown if unreadable."""
    client = _redis()
    if client is None:
        return None
    try:
        return int(client.get(_version_key()) or 0)
    except redis.RedisError as exc:
        log.warning(
            "API key cache: Redis unreadable (%s); reading keys from the database", type(exc).__name__
        )
        raise _Unknown from None


def lookup(key_hash: str, load):
    """(key id, project id) for a good key's hash, or None; `load(key_hash)` reads the
    database on a miss and returns the active ApiKey or None."""
    ttl = _ttl()
    if ttl <= 0:
        key = load(key_hash)
        return (key.id, key.project_id) if key is not None else None
    try:
        version = _version()
    except _Unknown:
        key = load(key_hash)
        return (key.id, key.project_id) if key is not None else None
    now = time.monotonic()
    entries = _entries()
    entry = entries.get(key_hash)
    if entry is not None and entry.expires > now and entry.version == version:
        return entry.id, entry.project_id
    key = load(key_hash)
    if key is None:
        entries.pop(key_hash, None)
        return None
    with _lock:
        if len(entries) >= _MAX_ENTRIES:
            entries.clear()
        entries[key_hash] = CachedKey(key.id, key.project_id, now + ttl, version)
    return key.id, key.project_id


def revoked() -> None:
    """A key was revoked and committed: forget every cached key here and, through Redis, in
    every other process."""
    with _lock:
        _entries().clear()
    client = _redis()
    if client is not None:
        try:
            client.incr(_version_key())
        except redis.RedisError as exc:
            log.warning("API key cache: could not announce a revocation (%s)", type(exc).__name__)

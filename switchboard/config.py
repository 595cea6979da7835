"""Settings, read from the environment when the app is created (never at import time)."""

import os
import secrets
from pathlib import Path

# Development defaults. `make run` starts LiveKit with the same key pair; production sets
# its own through the environment.
DEV_LIVEKIT_API_KEY = "devkey"
DEV_LIVEKIT_API_SECRET = "switchboard-dev-secret-0123456789abcdef"


def _int(environ, name, default):
    raw = environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(environ, name, default):
    raw = environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _bool(environ, name, default=False):
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _persistent_dev_secret(instance_path: str, name: str) -> str:
    """A random secret kept under instance/ so dev sessions survive restarts."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _api_url_from_ws(ws_url: str) -> str:
    if ws_url.startswith("wss://"):
        return "https://" + ws_url[len("wss://") :]
    if ws_url.startswith("ws://"):
        return "http://" + ws_url[len("ws://") :]
    return ws_url


def _engine_options(env, database_url: str) -> dict:
    """hide_parameters keeps bound values (metadata, identities) out of error messages and logs.

    On PostgreSQL a gevent worker serves many requests at once, each holding a connection for
    its transaction: SQLAlchemy's default pool keeps only 5 and opens and closes the rest per
    request (a new connection costs more than the request itself). DB_POOL_SIZE connections
    stay open per process once used (they open only on demand), up to DB_MAX_OVERFLOW more.
    """
    options = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url.startswith("postgresql"):
        options["pool_size"] = _int(env, "DB_POOL_SIZE", 20)
        options["max_overflow"] = _int(env, "DB_MAX_OVERFLOW", 20)
    return options


def load_config(instance_path: str, environ=None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    database_url = env.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "switchboard.db")
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]

    livekit_url = env.get("LIVEKIT_URL") or "ws://127.0.0.1:7880"
    secret_key = env.get("SECRET_KEY") or _persistent_dev_secret(instance_path, "secret_key")

    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(env, database_url),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_URL": env.get("LIVEKIT_API_URL") or _api_url_from_ws(livekit_url),
        "LIVEKIT_API_KEY": env.get("LIVEKIT_API_KEY") or DEV_LIVEKIT_API_KEY,
        "LIVEKIT_API_SECRET": env.get("LIVEKIT_API_SECRET") or DEV_LIVEKIT_API_SECRET,
        "LIVEKIT_TIMEOUT": float(env.get("LIVEKIT_TIMEOUT") or 5.0),
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        "IDENTITY_HASH_KEY": env.get("IDENTITY_HASH_KEY") or secret_key,
        "DEFAULT_MAX_PARTICIPANTS": _int(env, "DEFAULT_MAX_PARTICIPANTS", 100),
        "DEFAULT_EMPTY_TIMEOUT": _int(env, "DEFAULT_EMPTY_TIMEOUT", 300),
        "DEFAULT_REGION": env.get("DEFAULT_REGION") or "local",
        # Request bodies are small JSON documents; anything bigger is refused with 413.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_BODY_BYTES", 64 * 1024),
        "IDEMPOTENCY_TTL_SECONDS": 24 * 3600,
        # How long a process trusts a verified API key without reading it again; revocation
        # reaches every process at once through Redis, or within this time without it.
        "API_KEY_CACHE_SECONDS": _float(env, "API_KEY_CACHE_SECONDS", 5.0),
        "TOKEN_RETENTION_SECONDS": _int(env, "TOKEN_RETENTION_SECONDS", 7 * 24 * 3600),
        # Per API key. Limits are counted in Redis when REDIS_URL is set (shared by every
        # process), else in each process's memory.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "100 per second;3000 per minute",
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "switchboard-ratelimit",
        # Redis down: count in this process's memory until it is back, never fail the request.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Realtime chat. The channel prefix namespaces Redis pub/sub (several deployments, or
        # test runs, can share one Redis). Without Redis, processes poll the database for
        # messages stored by their siblings every REALTIME_POLL_SECONDS.
        "REALTIME_CHANNEL_PREFIX": env.get("REALTIME_CHANNEL_PREFIX") or "switchboard",
        "REALTIME_POLL_SECONDS": float(env.get("REALTIME_POLL_SECONDS") or 1.0),
        "REALTIME_CHECK_SECONDS": float(env.get("REALTIME_CHECK_SECONDS") or 5.0),
        "REALTIME_PRESENCE_STALE_SECONDS": float(env.get("REALTIME_PRESENCE_STALE_SECONDS") or 30.0),
        "CHAT_RATE_PER_SECOND": float(env.get("CHAT_RATE_PER_SECOND") or 10.0),
        "CHAT_RATE_BURST": _int(env, "CHAT_RATE_BURST", 30),
        "SOCK_SERVER_OPTIONS": {"max_message_size": 64 * 1024},
        "WTF_CSRF_TIME_LIMIT": None,
        **_security_settings(env),
        **_worker_and_webhook_settings(env),
        **_recording_settings(env, secret_key),
    }


def _recording_settings(env, secret_key: str) -> dict:
    """Recordings (LiveKit Egress into the customer's S3 bucket)."""
    public_url = (env.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
    return {
        # Encrypts the customers' S3 secret keys at rest (Fernet; any string, stretched with
        # SHA-256). Changing it makes stored secrets unreadable: recording settings must be
        # saved again.
        "RECORDING_SECRETS_KEY": env.get("RECORDING_SECRETS_KEY") or secret_key,
        # The page egress records (it appends ?layout=&url=&token=); egress must reach it.
        "RECORDING_TEMPLATE_URL": env.get("RECORDING_TEMPLATE_URL") or public_url + "/recording/template",
        # StartRoomCompositeEgress waits for an egress worker to accept (LiveKit answers
        # `unavailable` after ~6-20 s when none does).
        "EGRESS_TIMEOUT": _float(env, "EGRESS_TIMEOUT", 30.0),
        # With `recording_consent: required`, a recording nobody (or not everyone) answered
        # fails with `consent_timeout` this long after it was requested.
        "RECORDING_CONSENT_TIMEOUT_SECONDS": _float(env, "RECORDING_CONSENT_TIMEOUT_SECONDS", 120.0),
        # How often the worker compares active recordings with LiveKit's ListEgress.
        "RECORDING_RECONCILE_SECONDS": _int(env, "RECORDING_RECONCILE_SECONDS", 15),
        # A recording still `starting` this long after the request (its page never saw media) fails.
        "RECORDING_START_TIMEOUT_SECONDS": _float(env, "RECORDING_START_TIMEOUT_SECONDS", 90.0),
        # A recording that has not ended this long after its stop was requested is failed.
        "RECORDING_STOP_GRACE_SECONDS": _float(env, "RECORDING_STOP_GRACE_SECONDS", 120.0),
        # A `recording` whose egress LiveKit still lists as active but whose recorder is no
        # longer in the room (the egress worker died) is failed `egress_lost`, checked no
        # sooner than this after the recording started.
        "RECORDING_LOST_GRACE_SECONDS": _float(env, "RECORDING_LOST_GRACE_SECONDS", 20.0),
    }


def _worker_and_webhook_settings(env) -> dict:
    """The job worker and webhook delivery; tests shrink the times through the environment."""
    return {
        # How often an idle worker looks for due jobs: the delay before a new job starts.
        "WORKER_POLL_SECONDS": _float(env, "WORKER_POLL_SECONDS", 0.5),
        # A leased job whose worker died is taken again once its lease runs out.
        "WORKER_LEASE_SECONDS": _float(env, "WORKER_LEASE_SECONDS", 120.0),
        # Jobs run at once per worker process (PostgreSQL; SQLite always runs one at a time).
        "WORKER_CONCURRENCY": _int(env, "WORKER_CONCURRENCY", 4),
        "JOB_BACKOFF_BASE_SECONDS": _float(env, "JOB_BACKOFF_BASE_SECONDS", 10.0),
        "JOB_BACKOFF_MAX_SECONDS": _float(env, "JOB_BACKOFF_MAX_SECONDS", 3600.0),
        "JOB_RETENTION_SECONDS": _int(env, "JOB_RETENTION_SECONDS", 7 * 86400),
        # Per-project retention (`/api/v1/retention`): how often the purge runs, and how many
        # rows one statement deletes, so a large backlog never holds locks for long.
        "RETENTION_PURGE_EVERY_SECONDS": _int(env, "RETENTION_PURGE_EVERY_SECONDS", 86400),
        "RETENTION_BATCH_SIZE": _int(env, "RETENTION_BATCH_SIZE", 500),
        # How often one worker of the deployment reconciles every room against LiveKit.
        "RECONCILE_EVERY_SECONDS": _int(env, "RECONCILE_EVERY_SECONDS", 60),
        "WEBHOOK_TIMEOUT_SECONDS": _float(env, "WEBHOOK_TIMEOUT_SECONDS", 10.0),
        # 60 s doubling to a 6 h cap: 13 attempts span about a day (~26.5 h).
        "WEBHOOK_BACKOFF_BASE_SECONDS": _float(env, "WEBHOOK_BACKOFF_BASE_SECONDS", 60.0),
        "WEBHOOK_BACKOFF_MAX_SECONDS": _float(env, "WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600.0),
        "WEBHOOK_MAX_ATTEMPTS": _int(env, "WEBHOOK_MAX_ATTEMPTS", 13),
        # An endpoint that has failed every attempt for this long is disabled.
        "WEBHOOK_DISABLE_AFTER_SECONDS": _float(env, "WEBHOOK_DISABLE_AFTER_SECONDS", 3 * 86400.0),
        "WEBHOOK_SECRET_GRACE_SECONDS": _int(env, "WEBHOOK_SECRET_GRACE_SECONDS", 86400),
        "WEBHOOK_DELIVERY_RETENTION_SECONDS": _int(env, "WEBHOOK_DELIVERY_RETENTION_SECONDS", 30 * 86400),
        # Link-local and cloud-metadata addresses are refused unless this is set.
        "WEBHOOK_ALLOW_LINK_LOCAL": _bool(env, "WEBHOOK_ALLOW_LINK_LOCAL"),
        # Also refuse loopback and private networks (multi-tenant deployments).
        "WEBHOOK_BLOCK_PRIVATE_NETWORKS": _bool(env, "WEBHOOK_BLOCK_PRIVATE_NETWORKS"),
    }


def _security_settings(env) -> dict:
    """Cookies, HTTPS and the admin log-in throttle (switchboard/security_headers.py and
    switchboard/admin/login_throttle.py apply them)."""
    https = (env.get("PUBLIC_URL") or "").startswith("https://")
    secure = _bool(env, "COOKIE_SECURE", https)
    return {
        # The admin's session (Flask's signed cookie) and Flask-Login's remember-me cookie.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
        # (werkzeug's ProxyFix). 0: none, X-Forwarded-* are ignored.
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        # Strict-Transport-Security on HTTPS responses; 0 turns it off.
        "HSTS_MAX_AGE": _int(env, "HSTS_MAX_AGE", 365 * 86400),
        # More origins pages may connect to (space-separated), e.g. the LiveKit URL egress
        # hands the recording page when it differs from LIVEKIT_URL.
        "CSP_CONNECT_EXTRA": env.get("CSP_CONNECT_EXTRA") or "",
        # Failed admin log-ins before further attempts are refused with 429, per account and
        # per client address.
        "ADMIN_LOGIN_ACCOUNT_LIMIT": env.get("ADMIN_LOGIN_ACCOUNT_LIMIT") or "5 per 15 minutes",
        "ADMIN_LOGIN_IP_LIMIT": env.get("ADMIN_LOGIN_IP_LIMIT") or "20 per 15 minutes",
    }

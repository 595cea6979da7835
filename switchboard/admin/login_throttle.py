"""Failed admin log-ins, counted per account and per client address.

After `ADMIN_LOGIN_ACCOUNT_LIMIT` failures for one email (default 5 in 15 minutes) or
`ADMIN_LOGIN_IP_LIMIT` failures from one address (20 in 15 minutes), further attempts are
refused without checking the password until the window passes. Unknown emails are counted
exactly like known ones, so the answer never tells whether an account exists. A successful
log-in clears its account's count (not the address's: one good account must not reset a
guessing run against others).

The counters live in Flask-Limiter's storage: Redis when `REDIS_URL` is set (shared by every
process and host), else the process's memory. Emails become HMACs under
`IDENTITY_HASH_KEY` before they are used as keys or logged.
"""

import logging
import time

from flask import current_app
from limits import RateLimitItem, parse

from switchboard.extensions import limiter
from switchboard.plumbing.identities import hash_identity

log = logging.getLogger(__name__)


def _namespace() -> str:
    # Under Flask-Limiter's key prefix, like the API's limits: deployments sharing a Redis
    # keep their own counts.
    return current_app.config.get("RATELIMIT_KEY_PREFIX", "") + "/admin-login"


def _account(email: str) -> str:
    return "account:" + hash_identity((email or "").strip().lower())


def _address(ip: str | None) -> str:
    return "ip:" + (ip or "unknown")


def _limits() -> list[tuple[RateLimitItem, str]]:
    config = current_app.config
    return [
        (parse(config["ADMIN_LOGIN_ACCOUNT_LIMIT"]), "account"),
        (parse(config["ADMIN_LOGIN_IP_LIMIT"]), "ip"),
    ]


def _keys(email: str, ip: str | None) -> dict[str, str]:
    return {"account": _account(email), "ip": _address(ip)}


def retry_after(email: str, ip: str | None) -> int | None:
    """Seconds until this email may try again from this address, or None when it may now."""
    keys = _keys(email, ip)
    waits = []
    for item, kind in _limits():
        if not limiter.limiter.test(item, _namespace(), keys[kind]):
            reset_at = limiter.limiter.get_window_stats(item, _namespace(), keys[kind]).reset_time
            waits.append(max(1, int(reset_at - time.time()) + 1))
    return max(waits) if waits else None


def failed(email: str, ip: str | None) -> None:
    """Count a failed attempt against the account and the address, and log it (hashed)."""
    keys = _keys(email, ip)
    for item, kind in _limits():
        limiter.limiter.hit(item, _namespace(), keys[kind])
    log.warning("admin login failed: account %s", keys["account"][len("account:") :][:16])


def refused(email: str) -> None:
    log.warning("admin login refused (throttled): account %s", _account(email)[len("account:") :][:16])


def succeeded(email: str) -> None:
    """A good password clears the account's failures."""
    item = parse(current_app.config["ADMIN_LOGIN_ACCOUNT_LIMIT"])
    limiter.limiter.clear(item, _namespace(), _account(email))

"""One signed HTTP attempt of a webhook delivery, and what its answer means.

2xx is success. Anything else is retried with exponential backoff and jitter (or after the
receiver's `Retry-After`) until WEBHOOK_MAX_ATTEMPTS; 410 disables the endpoint at once, as
does a failure streak longer than WEBHOOK_DISABLE_AFTER_SECONDS. Every attempt is recorded
(`WebhookAttempt`): status code, latency, error.
"""

import json
import logging
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from flask import current_app

from switchboard.extensions import db
from switchboard.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from switchboard.models.base import isoformat, utcnow
from switchboard.plumbing import outbound_http
from switchboard.plumbing.outbox import backoff_seconds
from switchboard.services.webhooks import endpoints
from switchboard.webhooks import sign_headers

log = logging.getLogger(__name__)

USER_AGENT = "Switchboard-Webhooks/1.0"
ERROR_LIMIT = 500


def event_body(event: Event) -> bytes:
    """The exact bytes POSTed for an event: `{id, type, created_at, data}`."""
    document = {
        "id": event.id,
        "type": event.type,
        "created_at": isoformat(event.created_at),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str | None, int, str | None]:
    """POST once; returns (status code, error, latency ms, Retry-After header)."""
    timeout = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    session = outbound_http.guarded_session(**endpoints.policy())
    started = time.monotonic()
    status_code = error = retry_after = None
    try:
        with session.post(
            url, data=body, headers=headers, timeout=(timeout, timeout), allow_redirects=False, stream=True
        ) as response:
            # Only the status line and headers matter; the body is never read, so a receiver
            # that drips its answer cannot hold the worker past the timeout.
            status_code = response.status_code
            retry_after = response.headers.get("Retry-After")
        if not 200 <= status_code < 300:
            error = f"The endpoint answered HTTP {status_code}."
    except outbound_http.RefusedAddress as exc:
        error = f"Refused to connect: {exc}."
    except requests.Timeout:
        error = f"No answer within {timeout:g} s."
    except requests.ConnectionError as exc:
        error = f"Could not connect: {_root_cause(exc)}"
    except requests.RequestException as exc:
        error = f"Request failed: {type(exc).__name__}"
    finally:
        session.close()
    latency_ms = int((time.monotonic() - started) * 1000)
    return status_code, error, latency_ms, retry_after


def _root_cause(exc: BaseException) -> str:
    while exc.__context__ is not None or exc.__cause__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[:200]


def attempt_delivery(delivery_id: str, *, manual: bool = False) -> float | None:
    """Make one signed HTTP attempt of a delivery and record it (committed).

    Returns the seconds until the next automatic attempt, or None when the delivery needs
    none (it succeeded, ran out of attempts, its endpoint is disabled or gone, or this was
    a manual retry)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or (not manual and delivery.status != "pending"):
        return None
    endpoint = delivery.endpoint
    now = utcnow()
    if endpoint.status != "enabled":
        delivery.status, delivery.next_attempt_at, delivery.completed_at = "failed", None, now
        delivery.last_error = "Not sent: the endpoint is disabled."
        db.session.commit()
        return None
    body = event_body(delivery.event)
    headers = sign_headers(endpoint.signing_secrets(now), delivery.event_id, int(time.time()), body)
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    url = endpoint.url
    db.session.commit()  # no transaction stays open during the HTTP call

    attempted_at = utcnow()
    status_code, error, latency_ms, retry_after = _post(url, body, headers)

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # the endpoint was deleted meanwhile
        db.session.rollback()
        return None
    delay = _record(delivery, attempted_at, status_code, error, latency_ms, retry_after, manual)
    db.session.commit()
    log.info(
        "webhook delivery %s attempt %d: %s in %d ms",
        delivery.id,
        delivery.attempt_count,
        status_code or "no response",
        latency_ms,
    )
    return delay


def _record(delivery, attempted_at, status_code, error, latency_ms, retry_after, manual) -> float | None:
    config = current_app.config
    endpoint = delivery.endpoint
    now = utcnow()
    succeeded = error is None
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            endpoint_id=endpoint.id,
            attempted_at=attempted_at,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error[:ERROR_LIMIT] if error else None,
            succeeded=succeeded,
            manual=manual,
        )
    )
    delivery.attempt_count += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    if succeeded:
        delivery.status, delivery.next_attempt_at, delivery.completed_at = "succeeded", None, now
        endpoint.failing_since = None
        return None

    if status_code == 410:
        _disable(endpoint, "The endpoint answered 410 Gone.")
    elif endpoint.failing_since is None:
        endpoint.failing_since = attempted_at
    elif (now - endpoint.failing_since).total_seconds() >= config["WEBHOOK_DISABLE_AFTER_SECONDS"]:
        since = isoformat(endpoint.failing_since)
        _disable(endpoint, f"Every delivery attempt failed since {since}.")

    out_of_attempts = delivery.attempt_count >= config["WEBHOOK_MAX_ATTEMPTS"]
    if (
        manual
        and delivery.next_attempt_at is not None
        and endpoint.status == "enabled"
        and not out_of_attempts
    ):
        return None  # the automatic schedule carries on
    if manual or out_of_attempts or endpoint.status != "enabled":
        delivery.status, delivery.next_attempt_at, delivery.completed_at = "failed", None, now
        return None

    delay = _retry_after_seconds(retry_after)
    if delay is None:
        delay = backoff_seconds(
            delivery.attempt_count,
            config["WEBHOOK_BACKOFF_BASE_SECONDS"],
            config["WEBHOOK_BACKOFF_MAX_SECONDS"],
        )
    delay = min(delay, config["WEBHOOK_BACKOFF_MAX_SECONDS"])
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.status = "disabled"
    endpoint.disabled_reason = reason
    endpoint.updated_at = utcnow()
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)

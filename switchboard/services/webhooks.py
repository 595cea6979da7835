"""Webhook endpoints, their deliveries, and making one delivery attempt.

An event (`services.events.emit`) queues `webhooks.fan_out`, which creates one delivery per
matching enabled endpoint and queues a `webhooks.deliver` job for each. Every HTTP attempt
is recorded (`WebhookAttempt`): status code, latency, error.
"""

import base64
import json
import logging
import secrets
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy.orm import selectinload

from switchboard.errors import conflict, not_found, validation
from switchboard.extensions import db
from switchboard.jobs.queue import enqueue
from switchboard.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from switchboard.models.base import isoformat, utcnow
from switchboard.services import outbound_http
from switchboard.services.pagination import paginate
from switchboard.webhooks import sign_headers

log = logging.getLogger(__name__)

USER_AGENT = "Switchboard-Webhooks/1.0"
ERROR_LIMIT = 500


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks secret format)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _policy() -> dict:
    config = current_app.config
    return {
        "allow_link_local": config["WEBHOOK_ALLOW_LINK_LOCAL"],
        "block_private": config["WEBHOOK_BLOCK_PRIVATE_NETWORKS"],
    }


def check_url(url: str) -> str:
    """A URL webhooks may be sent to, or a 422 on `url` saying why not."""

    def refuse(message: str, code: str = "invalid_url"):
        return validation(f"'url' {message}.", param="url", code=code)

    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise refuse("must not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise refuse("must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not contain credentials; authenticate with the signature instead")
    if parts.fragment:
        raise refuse("must not contain a #fragment")
    host = parts.hostname
    if not host:
        raise refuse("must include a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise refuse("has an invalid port") from None
    policy = _policy()
    reason = outbound_http.refusal(host, **policy)
    if reason:
        raise refuse(f"points at {reason}, which webhooks may not reach", code="url_not_allowed")
    if not outbound_http.is_ip_literal(host):
        try:
            outbound_http.check_host(host, port, **policy)
        except outbound_http.RefusedAddress as exc:
            raise refuse(f"is not allowed: {exc}", code="url_not_allowed") from None
    return url


def create_endpoint(project_id: str, fields) -> WebhookEndpoint:
    """Create an enabled endpoint from validated `WebhookEndpointCreate` fields."""
    endpoint = WebhookEndpoint(
        project_id=project_id,
        url=check_url(fields.url),
        events=list(fields.events),
        status="enabled",
        secret=new_secret(),
        created_at=utcnow(),
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def get_endpoint(project_id: str, endpoint_id: str) -> WebhookEndpoint:
    """The project's endpoint; another project's is as absent as a missing one."""
    endpoint = db.session.scalar(
        db.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.project_id == project_id
        )
    )
    if endpoint is None:
        raise not_found("webhook endpoint", param="id")
    return endpoint


def list_endpoints(project_id: str, *, limit: int, cursor: str | None):
    """A page of the project's endpoints, newest first."""
    query = db.select(WebhookEndpoint).where(WebhookEndpoint.project_id == project_id)
    return paginate(query, WebhookEndpoint, limit=limit, cursor=cursor)


def update_endpoint(endpoint: WebhookEndpoint, fields) -> WebhookEndpoint:
    """Apply the fields present in a `WebhookEndpointUpdate`. Enabling clears the
    disabled reason and the failure streak."""
    sent = fields.model_fields_set
    if "url" in sent:
        endpoint.url = check_url(fields.url)
    if "events" in sent:
        endpoint.events = list(fields.events)
    if "status" in sent and fields.status != endpoint.status:
        endpoint.status = fields.status
        endpoint.failing_since = None
        endpoint.disabled_reason = None if fields.status == "enabled" else "Disabled through the API."
    endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries and their attempts; pending jobs find nothing."""
    db.session.execute(db.delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id))
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint, grace_seconds: int | None) -> WebhookEndpoint:
    """Give the endpoint a new secret. The old one keeps signing (a second signature on
    every delivery) for `grace_seconds` (default WEBHOOK_SECRET_GRACE_SECONDS); 0 ends it now."""
    if grace_seconds is None:
        grace_seconds = current_app.config["WEBHOOK_SECRET_GRACE_SECONDS"]
    now = utcnow()
    if grace_seconds > 0:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    db.session.flush()
    return endpoint


def list_deliveries(endpoint: WebhookEndpoint, *, status: str | None, limit: int, cursor: str | None):
    """A page of the endpoint's deliveries, newest first, with their attempts."""
    query = (
        db.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .options(selectinload(WebhookDelivery.attempts))
    )
    if status:
        query = query.where(WebhookDelivery.status == status)
    return paginate(query, WebhookDelivery, limit=limit, cursor=cursor)


def get_delivery(project_id: str, delivery_id: str) -> WebhookDelivery:
    delivery = db.session.scalar(
        db.select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.project_id == project_id
        )
    )
    if delivery is None:
        raise not_found("webhook delivery", param="id")
    return delivery


def _deliver_job_attempts() -> int:
    # Headroom over the delivery's own budget for attempts lost to killed workers.
    return current_app.config["WEBHOOK_MAX_ATTEMPTS"] * 2


def retry_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue one extra attempt now, whatever the delivery's state. Automatic retries
    that are still scheduled continue if this attempt fails."""
    if delivery.endpoint.status != "enabled":
        raise conflict("The endpoint is disabled; enable it before retrying.", code="endpoint_disabled")
    delivery.status = "pending"
    delivery.completed_at = None
    enqueue("webhooks.deliver", {"delivery_id": delivery.id, "manual": True}, max_attempts=3)
    db.session.flush()
    return delivery


def _subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return "*" in endpoint.events or event_type in endpoint.events


def fan_out(event_id: str) -> list[WebhookDelivery]:
    """One delivery (and one `webhooks.deliver` job) per enabled endpoint subscribed to
    the event. Safe to run twice: endpoints that already have a delivery are skipped."""
    event = db.session.get(Event, event_id)
    if event is None:
        return []
    endpoints = db.session.scalars(
        db.select(WebhookEndpoint).where(
            WebhookEndpoint.project_id == event.project_id, WebhookEndpoint.status == "enabled"
        )
    )
    done = set(
        db.session.scalars(db.select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_id == event.id))
    )
    created = []
    now = utcnow()
    for endpoint in endpoints:
        if endpoint.id in done or not _subscribed(endpoint, event.type):
            continue
        delivery = WebhookDelivery(
            project_id=event.project_id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=event.type,
            status="pending",
            attempt_count=0,
            next_attempt_at=now,
            created_at=now,
        )
        db.session.add(delivery)
        db.session.flush()
        enqueue("webhooks.deliver", {"delivery_id": delivery.id}, max_attempts=_deliver_job_attempts())
        created.append(delivery)
    return created


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
    session = outbound_http.guarded_session(**_policy())
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

    from switchboard.jobs.worker import backoff_seconds

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

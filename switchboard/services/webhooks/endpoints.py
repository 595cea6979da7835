"""Webhook endpoints and their deliveries.

An event (`plumbing.events.emit`) queues `webhooks.fan_out`, which creates one delivery per
matching enabled endpoint and queues a `webhooks.deliver` job for each; the attempts
themselves are made by `delivery.attempt_delivery`.
"""

import base64
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import selectinload

from switchboard.errors import conflict, not_found, validation
from switchboard.extensions import db
from switchboard.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from switchboard.models.base import utcnow
from switchboard.plumbing import outbound_http
from switchboard.plumbing.outbox import enqueue
from switchboard.plumbing.ownership import get_owned
from switchboard.plumbing.pagination import Page, paginate
from switchboard.services.webhooks.specs import WebhookEndpointCreate, WebhookEndpointUpdate


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks secret format)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def policy() -> dict:
    """The SSRF policy from config, as keyword arguments for `outbound_http`."""
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
    rules = policy()
    reason = outbound_http.refusal(host, **rules)
    if reason:
        raise refuse(f"points at {reason}, which webhooks may not reach", code="url_not_allowed")
    if not outbound_http.is_ip_literal(host):
        try:
            outbound_http.check_host(host, port, **rules)
        except outbound_http.RefusedAddress as exc:
            raise refuse(f"is not allowed: {exc}", code="url_not_allowed") from None
    return url


def create_endpoint(project_id: str, fields: WebhookEndpointCreate) -> WebhookEndpoint:
    """Create an enabled endpoint from validated fields."""
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
    return get_owned(WebhookEndpoint, project_id, endpoint_id, noun="webhook endpoint", param="endpoint_id")


def list_endpoints(project_id: str | None, *, limit: int, cursor: str | None) -> Page:
    """A page of the project's endpoints (every project's with None), newest first."""
    query = db.select(WebhookEndpoint)
    if project_id is not None:
        query = query.where(WebhookEndpoint.project_id == project_id)
    return paginate(query, WebhookEndpoint, limit=limit, cursor=cursor)


def find_endpoint(endpoint_id: str) -> WebhookEndpoint:
    """Any project's endpoint (the admin sees every project); 404 when there is none."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint", param="endpoint_id")
    return endpoint


def recent_attempts(endpoint: WebhookEndpoint, *, limit: int) -> list[tuple[WebhookAttempt, WebhookDelivery]]:
    """The endpoint's latest delivery attempts, newest first, each with its delivery."""
    return list(
        db.session.execute(
            db.select(WebhookAttempt, WebhookDelivery)
            .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
            .where(WebhookAttempt.endpoint_id == endpoint.id)
            .order_by(WebhookAttempt.attempted_at.desc())
            .limit(limit)
        ).all()
    )


def update_endpoint(endpoint: WebhookEndpoint, fields: WebhookEndpointUpdate) -> WebhookEndpoint:
    """Apply the fields present in an update. Enabling clears the
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


def list_deliveries(endpoint: WebhookEndpoint, *, status: str | None, limit: int, cursor: str | None) -> Page:
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
    return get_owned(WebhookDelivery, project_id, delivery_id, noun="webhook delivery", param="delivery_id")


def find_delivery(delivery_id: str) -> WebhookDelivery:
    """Any project's delivery (the admin); 404 when there is none."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise not_found("webhook delivery", param="delivery_id")
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

"""HTTP face of webhooks: /api/v1/webhook_endpoints and /api/v1/webhook_deliveries."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.webhooks import (
    RotateSecret,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from switchboard.api.validation import page_args, parse_body, query_choice
from switchboard.models.base import isoformat
from switchboard.models.webhooks import DELIVERY_STATUSES
from switchboard.services import webhooks

TAG = "Webhooks"


def serialize_endpoint(item, *, with_secret: bool = False) -> dict:
    fields = dict(
        id=item.id,
        url=item.url,
        events=list(item.events),
        status=item.status,
        disabled_reason=item.disabled_reason,
        previous_secret_expires_at=isoformat(
            item.previous_secret_expires_at if item.previous_secret else None
        ),
        created_at=isoformat(item.created_at),
        updated_at=isoformat(item.updated_at),
    )
    if with_secret:
        return WebhookEndpointWithSecret(secret=item.secret, **fields).model_dump(mode="json")
    return WebhookEndpointOut(**fields).model_dump(mode="json")


def serialize_delivery(item) -> dict:
    return WebhookDeliveryOut(
        id=item.id,
        endpoint_id=item.endpoint_id,
        event_id=item.event_id,
        event_type=item.event_type,
        status=item.status,
        attempt_count=item.attempt_count,
        next_attempt_at=isoformat(item.next_attempt_at) if item.status == "pending" else None,
        last_status_code=item.last_status_code,
        last_error=item.last_error,
        created_at=isoformat(item.created_at),
        completed_at=isoformat(item.completed_at),
        attempts=[
            dict(
                attempted_at=isoformat(a.attempted_at),
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                succeeded=a.succeeded,
                manual=a.manual,
            )
            for a in item.attempts
        ],
    ).model_dump(mode="json")


@bp.post("/webhook_endpoints")
@endpoint(
    "Create a webhook endpoint",
    body=WebhookEndpointCreate,
    response=WebhookEndpointWithSecret,
    status=201,
    tag=TAG,
    description="Returns the signing `secret` (only now and on rotate_secret). Every delivery carries "
    '`Switchboard-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` and the Standard '
    "Webhooks headers `webhook-id`, `webhook-timestamp`, `webhook-signature`. 2xx is success; other "
    "answers and timeouts (10 s) are retried with exponential backoff and jitter for about a day, "
    "honouring `Retry-After`; 410 disables the endpoint, as do 3 days of failures.",
)
def create_webhook_endpoint():
    fields = parse_body(WebhookEndpointCreate)
    return ok(serialize_endpoint(webhooks.create_endpoint(g.project_id, fields), with_secret=True), 201)


@bp.get("/webhook_endpoints")
@endpoint("List webhook endpoints, newest first", response=WebhookEndpointOut, paginated=True, tag=TAG)
def list_webhook_endpoints():
    limit, cursor = page_args()
    items, has_more, next_cursor = webhooks.list_endpoints(g.project_id, limit=limit, cursor=cursor)
    return page([serialize_endpoint(item) for item in items], has_more, next_cursor)


@bp.get("/webhook_endpoints/<id>")
@endpoint("Retrieve a webhook endpoint", response=WebhookEndpointOut, tag=TAG)
def get_webhook_endpoint(id):
    return ok(serialize_endpoint(webhooks.get_endpoint(g.project_id, id)))


@bp.patch("/webhook_endpoints/<id>")
@endpoint(
    "Update a webhook endpoint",
    body=WebhookEndpointUpdate,
    response=WebhookEndpointOut,
    tag=TAG,
    description="Partial update of `url`, `events` and `status` (`enabled`/`disabled`). Deliveries "
    "that came due while the endpoint was disabled are marked `failed` (retry them one by one).",
)
def update_webhook_endpoint(id):
    item = webhooks.get_endpoint(g.project_id, id)
    fields = parse_body(WebhookEndpointUpdate)
    return ok(serialize_endpoint(webhooks.update_endpoint(item, fields)))


@bp.delete("/webhook_endpoints/<id>")
@endpoint(
    "Delete a webhook endpoint",
    response=WebhookEndpointOut,
    tag=TAG,
    description="Deletes the endpoint with its delivery history; pending deliveries are dropped.",
)
def delete_webhook_endpoint(id):
    item = webhooks.get_endpoint(g.project_id, id)
    body = serialize_endpoint(item)
    webhooks.delete_endpoint(item)
    return ok(body)


@bp.post("/webhook_endpoints/<id>/rotate_secret")
@endpoint(
    "Rotate an endpoint's signing secret",
    body=RotateSecret,
    response=WebhookEndpointWithSecret,
    tag=TAG,
    description="Returns the new `secret`. The previous one keeps signing for `grace_period_seconds` "
    "(default 24 h): meanwhile `Switchboard-Signature` carries two `v1=` values and "
    "`webhook-signature` two `v1,` values, so receivers verify with either secret. Only one previous "
    "secret is kept: rotating again retires the older one at once. The body is optional.",
)
def rotate_webhook_secret(id):
    item = webhooks.get_endpoint(g.project_id, id)
    fields = parse_body(RotateSecret) if request.get_data(cache=True).strip() else RotateSecret()
    return ok(serialize_endpoint(webhooks.rotate_secret(item, fields.grace_period_seconds), with_secret=True))


@bp.get("/webhook_endpoints/<id>/deliveries")
@endpoint(
    "List an endpoint's deliveries, newest first, with every attempt",
    response=WebhookDeliveryOut,
    paginated=True,
    query=(
        ("status", {"type": "string", "enum": list(DELIVERY_STATUSES)}, "Only deliveries in this status."),
    ),
    tag=TAG,
)
def list_webhook_deliveries(id):
    item = webhooks.get_endpoint(g.project_id, id)
    status = query_choice("status", DELIVERY_STATUSES)
    limit, cursor = page_args()
    items, has_more, next_cursor = webhooks.list_deliveries(item, status=status, limit=limit, cursor=cursor)
    return page([serialize_delivery(d) for d in items], has_more, next_cursor)


@bp.get("/webhook_deliveries/<id>")
@endpoint("Retrieve a webhook delivery with every attempt", response=WebhookDeliveryOut, tag=TAG)
def get_webhook_delivery(id):
    return ok(serialize_delivery(webhooks.get_delivery(g.project_id, id)))


@bp.post("/webhook_deliveries/<id>/retry")
@endpoint(
    "Retry a webhook delivery now",
    response=WebhookDeliveryOut,
    status=202,
    tag=TAG,
    description="Queues one extra attempt right away, also for deliveries that succeeded or "
    "ran out of attempts. 409 `endpoint_disabled` if the endpoint is disabled.",
)
def retry_webhook_delivery(id):
    delivery = webhooks.get_delivery(g.project_id, id)
    return ok(serialize_delivery(webhooks.retry_delivery(delivery)), 202)

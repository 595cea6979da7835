"""HTTP face of webhooks: /api/v1/webhook_endpoints and /api/v1/webhook_deliveries."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.webhooks import WebhookDeliveryOut, WebhookEndpointOut, WebhookEndpointWithSecret
from switchboard.api.validation import page_args, parse_body, query_choice
from switchboard.models.webhooks import DELIVERY_STATUSES
from switchboard.services import webhooks
from switchboard.services.webhooks.specs import RotateSecret, WebhookEndpointCreate, WebhookEndpointUpdate

TAG = "Webhooks"


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
    return ok(WebhookEndpointWithSecret.build(webhooks.create_endpoint(g.project_id, fields)).dump(), 201)


@bp.get("/webhook_endpoints")
@endpoint("List webhook endpoints, newest first", response=WebhookEndpointOut, paginated=True, tag=TAG)
def list_webhook_endpoints():
    limit, cursor = page_args()
    return page(webhooks.list_endpoints(g.project_id, limit=limit, cursor=cursor), WebhookEndpointOut.build)


@bp.get("/webhook_endpoints/<endpoint_id>")
@endpoint("Retrieve a webhook endpoint", response=WebhookEndpointOut, tag=TAG)
def get_webhook_endpoint(endpoint_id):
    return ok(WebhookEndpointOut.build(webhooks.get_endpoint(g.project_id, endpoint_id)).dump())


@bp.patch("/webhook_endpoints/<endpoint_id>")
@endpoint(
    "Update a webhook endpoint",
    body=WebhookEndpointUpdate,
    response=WebhookEndpointOut,
    tag=TAG,
    description="Partial update of `url`, `events` and `status` (`enabled`/`disabled`). Deliveries "
    "that came due while the endpoint was disabled are marked `failed` (retry them one by one).",
)
def update_webhook_endpoint(endpoint_id):
    item = webhooks.get_endpoint(g.project_id, endpoint_id)
    fields = parse_body(WebhookEndpointUpdate)
    return ok(WebhookEndpointOut.build(webhooks.update_endpoint(item, fields)).dump())


@bp.delete("/webhook_endpoints/<endpoint_id>")
@endpoint(
    "Delete a webhook endpoint",
    response=WebhookEndpointOut,
    tag=TAG,
    description="Deletes the endpoint with its delivery history; pending deliveries are dropped.",
)
def delete_webhook_endpoint(endpoint_id):
    item = webhooks.get_endpoint(g.project_id, endpoint_id)
    body = WebhookEndpointOut.build(item).dump()
    webhooks.delete_endpoint(item)
    return ok(body)


@bp.post("/webhook_endpoints/<endpoint_id>/rotate_secret")
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
def rotate_webhook_secret(endpoint_id):
    item = webhooks.get_endpoint(g.project_id, endpoint_id)
    fields = parse_body(RotateSecret) if request.get_data(cache=True).strip() else RotateSecret()
    return ok(
        WebhookEndpointWithSecret.build(webhooks.rotate_secret(item, fields.grace_period_seconds)).dump()
    )


@bp.get("/webhook_endpoints/<endpoint_id>/deliveries")
@endpoint(
    "List an endpoint's deliveries, newest first, with every attempt",
    response=WebhookDeliveryOut,
    paginated=True,
    query=(
        ("status", {"type": "string", "enum": list(DELIVERY_STATUSES)}, "Only deliveries in this status."),
    ),
    tag=TAG,
)
def list_webhook_deliveries(endpoint_id):
    item = webhooks.get_endpoint(g.project_id, endpoint_id)
    status = query_choice("status", DELIVERY_STATUSES)
    limit, cursor = page_args()
    result = webhooks.list_deliveries(item, status=status, limit=limit, cursor=cursor)
    return page(result, WebhookDeliveryOut.build)


@bp.get("/webhook_deliveries/<delivery_id>")
@endpoint("Retrieve a webhook delivery with every attempt", response=WebhookDeliveryOut, tag=TAG)
def get_webhook_delivery(delivery_id):
    return ok(WebhookDeliveryOut.build(webhooks.get_delivery(g.project_id, delivery_id)).dump())


@bp.post("/webhook_deliveries/<delivery_id>/retry")
@endpoint(
    "Retry a webhook delivery now",
    response=WebhookDeliveryOut,
    status=202,
    tag=TAG,
    description="Queues one extra attempt right away, also for deliveries that succeeded or "
    "ran out of attempts. 409 `endpoint_disabled` if the endpoint is disabled.",
)
def retry_webhook_delivery(delivery_id):
    delivery = webhooks.get_delivery(g.project_id, delivery_id)
    return ok(WebhookDeliveryOut.build(webhooks.retry_delivery(delivery)).dump(), 202)

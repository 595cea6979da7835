"""Webhooks: customers' endpoints (`endpoints`), one delivery per event and endpoint, and the
signed HTTP attempts that deliver it (`delivery`). Events themselves are recorded by
`plumbing.events` in the transaction of the change they announce."""

from switchboard.services.webhooks.delivery import attempt_delivery, event_body
from switchboard.services.webhooks.endpoints import (
    check_url,
    create_endpoint,
    delete_endpoint,
    fan_out,
    find_delivery,
    find_endpoint,
    get_delivery,
    get_endpoint,
    list_deliveries,
    list_endpoints,
    new_secret,
    policy,
    recent_attempts,
    retry_delivery,
    rotate_secret,
    update_endpoint,
)
from switchboard.services.webhooks.specs import RotateSecret, WebhookEndpointCreate, WebhookEndpointUpdate

__all__ = [
    "RotateSecret",
    "WebhookEndpointCreate",
    "WebhookEndpointUpdate",
    "attempt_delivery",
    "check_url",
    "create_endpoint",
    "delete_endpoint",
    "event_body",
    "fan_out",
    "find_delivery",
    "find_endpoint",
    "get_delivery",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "new_secret",
    "policy",
    "recent_attempts",
    "retry_delivery",
    "rotate_secret",
    "update_endpoint",
]

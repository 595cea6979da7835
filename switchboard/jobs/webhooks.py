"""Webhook jobs: fan an event out to endpoints, and deliver it to one endpoint."""

from switchboard.jobs.registry import Retry
from switchboard.services import webhooks


def fan_out(payload: dict) -> None:
    """One delivery job per enabled endpoint subscribed to the event. Left uncommitted:
    the deliveries commit together with this job's `done`."""
    webhooks.fan_out(payload["event_id"])


def deliver(payload: dict) -> None:
    """One signed attempt; a failure schedules the next one through `Retry`."""
    delay = webhooks.attempt_delivery(payload["delivery_id"], manual=bool(payload.get("manual")))
    if delay is not None:
        raise Retry("the endpoint did not accept the delivery", after_seconds=delay)


TASKS = {"webhooks.fan_out": fan_out, "webhooks.deliver": deliver}

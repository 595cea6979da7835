"""Periodic clean-up: expired idempotency keys and join tokens, old finished jobs and deliveries."""

import logging
from datetime import timedelta

from flask import current_app

from switchboard.extensions import db
from switchboard.jobs.registry import Periodic
from switchboard.models import Job, WebhookAttempt, WebhookDelivery
from switchboard.models.base import utcnow
from switchboard.plumbing import idempotency
from switchboard.services import tokens

log = logging.getLogger(__name__)


def cleanup(payload: dict) -> None:
    """Delete what has outlived its retention; committed with the job."""
    config = current_app.config
    now = utcnow()
    keys = idempotency.purge_expired()
    # A token record is kept well past its expiry: LiveKit lets a connected participant stay
    # beyond it, and reconciliation treats a participant with an unknown token as revoked.
    expired_tokens = tokens.purge_expired(now - timedelta(seconds=config["TOKEN_RETENTION_SECONDS"]))
    job_cutoff = now - timedelta(seconds=config["JOB_RETENTION_SECONDS"])
    jobs = db.session.execute(
        db.delete(Job).where(Job.status.in_(("done", "failed")), Job.updated_at < job_cutoff)
    ).rowcount
    delivery_cutoff = now - timedelta(seconds=config["WEBHOOK_DELIVERY_RETENTION_SECONDS"])
    old = (
        db.select(WebhookDelivery.id)
        .where(WebhookDelivery.status != "pending", WebhookDelivery.created_at < delivery_cutoff)
        .scalar_subquery()
    )
    db.session.execute(db.delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
    deliveries = db.session.execute(
        db.delete(WebhookDelivery).where(
            WebhookDelivery.status != "pending", WebhookDelivery.created_at < delivery_cutoff
        )
    ).rowcount
    log.info(
        "clean-up: %d idempotency keys, %d join tokens, %d jobs, %d webhook deliveries",
        keys,
        expired_tokens,
        jobs,
        deliveries,
    )


TASKS = {"maintenance.cleanup": cleanup}
PERIODIC = [Periodic("maintenance.cleanup", every_seconds=3600)]

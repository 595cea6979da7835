"""Admin pages for webhooks: every endpoint, and each endpoint's recent delivery attempts."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.models import Project, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from switchboard.services import webhooks

RECENT_ATTEMPTS = 100


@bp.get("/webhooks")
@login_required
def webhook_endpoints():
    endpoints = list(
        db.session.scalars(db.select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc()).limit(200))
    )
    project_names = {p.id: p.name for p in db.session.scalars(db.select(Project))}
    return render_template("admin/webhooks.html", endpoints=endpoints, project_names=project_names)


@bp.get("/webhooks/<endpoint_id>")
@login_required
def webhook_endpoint(endpoint_id: str):
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) or abort(404)
    attempts = db.session.execute(
        db.select(WebhookAttempt, WebhookDelivery)
        .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
        .where(WebhookAttempt.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.attempted_at.desc())
        .limit(RECENT_ATTEMPTS)
    ).all()
    return render_template("admin/webhook.html", endpoint=endpoint, attempts=attempts, form=ConfirmForm())


@bp.post("/webhook_deliveries/<delivery_id>/retry")
@login_required
def retry_webhook_delivery(delivery_id: str):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            webhooks.retry_delivery(delivery)
            db.session.commit()
            flash(f"Delivery of {delivery.event_id} queued again.", "success")
        except ApiError as err:
            flash(err.message, "error")
    return redirect(url_for("admin.webhook_endpoint", endpoint_id=delivery.endpoint_id))

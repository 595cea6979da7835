"""Admin pages for webhooks: every endpoint, and each endpoint's recent delivery attempts."""

from flask import flash, redirect, render_template, url_for
from flask_login import login_required

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.services import projects, webhooks

RECENT_ATTEMPTS = 100
ENDPOINTS_PER_PAGE = 200


@bp.get("/webhooks")
@login_required
def webhook_endpoints():
    endpoints = webhooks.list_endpoints(None, limit=ENDPOINTS_PER_PAGE, cursor=None).items
    return render_template("admin/webhooks.html", endpoints=endpoints, project_names=projects.project_names())


@bp.get("/webhooks/<endpoint_id>")
@login_required
def webhook_endpoint(endpoint_id: str):
    endpoint = webhooks.find_endpoint(endpoint_id)
    attempts = webhooks.recent_attempts(endpoint, limit=RECENT_ATTEMPTS)
    return render_template("admin/webhook.html", endpoint=endpoint, attempts=attempts, form=ConfirmForm())


@bp.post("/webhook_deliveries/<delivery_id>/retry")
@login_required
def retry_webhook_delivery(delivery_id: str):
    delivery = webhooks.find_delivery(delivery_id)
    if ConfirmForm().validate_on_submit():
        try:
            webhooks.retry_delivery(delivery)
            db.session.commit()
            flash(f"Delivery of {delivery.event_id} queued again.", "success")
        except ApiError as err:
            flash(err.message, "error")
    return redirect(url_for("admin.webhook_endpoint", endpoint_id=delivery.endpoint_id))

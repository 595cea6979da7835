"""Admin page for a project's retention policy: the same policy and validation as
`PUT /api/v1/retention`, and the last purges from the audit log."""

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from switchboard.admin import bp
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.plumbing.validation import validate
from switchboard.services import audit, projects, retention

KINDS = (
    ("chat_messages_days", "Chat messages", "of closed rooms"),
    (
        "sessions_days",
        "Sessions and time logs",
        "of closed rooms, with participants and waiting-room entries",
    ),
    ("recordings_days", "Recordings", "finished ones: the object in the bucket, then the pointer"),
    ("webhook_deliveries_days", "Webhook deliveries", "succeeded or failed; pending ones are kept"),
)
HINT = "Days ({low}–{high}), {what}. Leave empty to keep them forever."


class RetentionForm(FlaskForm):
    chat_messages_days = StringField("Chat messages")
    sessions_days = StringField("Sessions and time logs")
    recordings_days = StringField("Recordings")
    webhook_deliveries_days = StringField("Webhook deliveries")


def _days(raw: str | None):
    """Empty is null; digits are a number; anything else goes to the spec as text so it is
    refused with the API's own message."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


@bp.route("/projects/<project_id>/retention", methods=["GET", "POST"])
@login_required
def retention_settings(project_id: str):
    project = projects.get_project(project_id)
    policy = retention.get_policy(project.id)
    form = RetentionForm()
    for name, _label, what in KINDS:
        getattr(form, name).description = HINT.format(
            low=retention.MIN_DAYS, high=retention.MAX_DAYS, what=what
        )
        if not form.is_submitted():
            value = getattr(policy, name)
            getattr(form, name).data = "" if value is None else str(value)
    if form.validate_on_submit():
        body = {name: _days(getattr(form, name).data) for name, _label, _what in KINDS}
        try:
            retention.put_policy(project.id, validate(retention.RetentionPut, body), actor="admin")
            db.session.commit()
            flash("Retention policy saved.", "success")
            return redirect(url_for("admin.retention_settings", project_id=project.id))
        except ApiError as err:
            db.session.rollback()
            field = getattr(form, err.param or "", None)
            if field is not None:
                field.errors = [err.message]
            else:
                flash(err.message, "error")
    purges = audit.list_events(
        project.id, room_id=None, action="retention.purged", limit=5, cursor=None
    ).items
    return render_template("admin/retention.html", project=project, policy=policy, form=form, purges=purges)

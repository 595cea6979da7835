"""Admin pages for recordings: a project's recording settings (form) and a room's recordings
with start/stop and download links. Views call the recordings service like the API does."""

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.plumbing.validation import validate
from switchboard.services import projects, recordings, rooms

RECORDINGS_PER_PAGE = 100


class RecordingSettingsForm(FlaskForm):
    bucket = StringField("Bucket", validators=[DataRequired()])
    region = StringField("Region", validators=[DataRequired()], default="us-east-1")
    prefix = StringField("Key prefix", validators=[Optional()])
    endpoint = StringField("Endpoint (S3-compatible servers only)", validators=[Optional()])
    force_path_style = BooleanField("Path-style addressing")
    access_key_id = StringField("Access key id", validators=[DataRequired()])
    secret_access_key = PasswordField("Secret access key", validators=[DataRequired()])
    kms_key_id = StringField("KMS key id or ARN", validators=[DataRequired()])


class StartRecordingForm(FlaskForm):
    layout = SelectField("Layout", choices=[("speaker", "Speaker"), ("grid", "Grid"), ("single", "Single")])


@bp.route("/projects/<project_id>/recording_settings", methods=["GET", "POST"])
@login_required
def recording_settings(project_id: str):
    project = projects.get_project(project_id)
    current = recordings.find_settings(project.id)
    form = RecordingSettingsForm()
    if not form.is_submitted() and current is not None:
        for name in (
            "bucket",
            "region",
            "prefix",
            "endpoint",
            "force_path_style",
            "access_key_id",
            "kms_key_id",
        ):
            getattr(form, name).data = getattr(current, name)
    if form.validate_on_submit():
        s3 = {
            "bucket": form.bucket.data.strip(),
            "region": form.region.data.strip(),
            "prefix": (form.prefix.data or "").strip(),
            "endpoint": (form.endpoint.data or "").strip() or None,
            "force_path_style": bool(form.force_path_style.data),
            "access_key_id": form.access_key_id.data.strip(),
            "secret_access_key": form.secret_access_key.data,
            "kms_key_id": form.kms_key_id.data.strip(),
        }
        try:
            fields = validate(recordings.RecordingSettingsPut, {"s3": s3})
            recordings.put_settings(project.id, fields, actor="admin")
            db.session.commit()
            flash("Recording settings verified and saved.", "success")
            return redirect(url_for("admin.recording_settings", project_id=project.id))
        except ApiError as err:
            db.session.rollback()
            flash(err.message, "error")
    return render_template("admin/recording_settings.html", project=project, settings=current, form=form)


@bp.get("/rooms/<room_id>/recordings")
@login_required
def room_recordings(room_id: str):
    room = rooms.find_room(room_id)
    items = recordings.list_recordings(
        room.project_id, room_id=room.id, status=None, limit=RECORDINGS_PER_PAGE, cursor=None
    ).items
    return render_template(
        "admin/room_recordings.html",
        room=room,
        recordings=items,
        active=recordings.active_recording(room.id),
        # Who was asked and what they answered (rooms that require consent).
        consents={rec.id: recordings.consents(rec) for rec in items}
        if room.recording_consent == "required"
        else {},
        has_settings=recordings.find_settings(room.project_id) is not None,
        start_form=StartRecordingForm(),
        form=ConfirmForm(),
    )


@bp.post("/rooms/<room_id>/recordings/start")
@login_required
def start_room_recording(room_id: str):
    room = rooms.find_room(room_id)
    form = StartRecordingForm()
    if form.validate_on_submit():
        try:
            rec = recordings.start_recording(
                room, recordings.RecordingCreate(layout=form.layout.data), actor="admin"
            )
            db.session.commit()
            if rec.status == "awaiting_consent":
                flash("Recording requested: it starts once everyone in the call consents.", "success")
            else:
                flash("Recording started.", "success")
        except ApiError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("admin.room_recordings", room_id=room.id))


@bp.post("/recordings/<recording_id>/stop")
@login_required
def stop_recording(recording_id: str):
    rec = recordings.find_recording(recording_id)
    if ConfirmForm().validate_on_submit():
        waiting = rec.status == "awaiting_consent"
        recordings.stop_recording(rec, actor="admin")
        db.session.commit()
        if waiting:
            flash("Recording cancelled before everyone consented; nothing was recorded.", "success")
        else:
            flash("Recording stopping; it completes once the file is verified.", "success")
    return redirect(url_for("admin.room_recordings", room_id=rec.room_id))


@bp.get("/recordings/<recording_id>/download")
@login_required
def download_recording(recording_id: str):
    rec = recordings.find_recording(recording_id)
    try:
        url, _expires = recordings.download_url(rec, 300, actor="admin")
    except ApiError as err:
        flash(err.message, "error")
        return redirect(url_for("admin.room_recordings", room_id=rec.room_id))
    db.session.commit()  # the audit entry
    return redirect(url)

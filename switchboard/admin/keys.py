"""Admin pages for API keys: create (the secret shown once), list, revoke."""

from flask import flash, redirect, render_template, url_for
from flask_login import login_required

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm, KeyForm
from switchboard.extensions import db
from switchboard.services import projects


@bp.route("/keys", methods=["GET", "POST"])
@login_required
def keys():
    form = KeyForm()
    new_secret = None
    if form.validate_on_submit():
        project = projects.get_or_create_project(form.project.data.strip())
        _key, new_secret = projects.create_key(project, livemode=form.mode.data == "live")
        db.session.commit()
    return render_template(
        "admin/keys.html",
        form=form,
        keys=projects.list_keys(),
        project_names=projects.project_names(),
        new_secret=new_secret,
        revoke_form=ConfirmForm(),
    )


@bp.post("/keys/<key_id>/revoke")
@login_required
def revoke_key(key_id: str):
    key = projects.find_key(key_id)
    if ConfirmForm().validate_on_submit():
        projects.revoke_key(key)
        db.session.commit()
        flash(f"Key {key.prefix}… revoked.", "success")
    return redirect(url_for("admin.keys"))

"""Admin: working a room's waiting room (admit, deny with a message). The identity travels in
the form body, never in a URL, so it never reaches an access log."""

from flask import flash, redirect, request, url_for
from flask_login import login_required

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm, DenyForm
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.services import rooms


def _decide(room_id: str, decide, done: str):
    found = rooms.find_room(room_id)
    identity = request.form.get("identity", "")
    try:
        decide(found, identity)
        db.session.commit()
        flash(done.format(identity=identity), "success")
    except ApiError as err:
        db.session.rollback()
        flash("They are no longer waiting." if err.status == 404 else err.message, "error")
    return redirect(url_for("admin.room", room_id=room_id))


@bp.post("/rooms/<room_id>/waiting/admit")
@login_required
def admit_waiting(room_id: str):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.room", room_id=room_id))
    return _decide(room_id, lambda room, who: rooms.admit(room, who, actor="admin"), "{identity} was let in.")


@bp.post("/rooms/<room_id>/waiting/deny")
@login_required
def deny_waiting(room_id: str):
    form = DenyForm()
    if not form.validate_on_submit():
        flash("The message can be at most 500 characters.", "error")
        return redirect(url_for("admin.room", room_id=room_id))
    message = (form.message.data or "").strip() or None
    return _decide(
        room_id,
        lambda room, who: rooms.deny(room, who, message=message, actor="admin"),
        "{identity} was turned away; their links no longer work.",
    )

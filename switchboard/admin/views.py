"""Admin pages. Views parse the form, call a service, and render."""

import json
from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm, KeyForm, LoginForm, RoomForm
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.plumbing.validation import validate
from switchboard.services import projects, rooms

ROOMS_PER_PAGE = 200


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = projects.authenticate_user(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match.", "error")
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("admin.login"))


@bp.get("/")
@login_required
def index():
    status = request.args.get("status")
    status = status if status in rooms.STATUSES else None
    room_list = rooms.list_rooms(None, status=status, limit=ROOMS_PER_PAGE, cursor=None).items
    return render_template(
        "admin/rooms.html",
        rooms=room_list,
        statuses=rooms.STATUSES,
        project_names=projects.project_names(),
        status=status,
        counts=rooms.participant_counts([room.id for room in room_list]),
    )


def _attach(form, err: ApiError) -> None:
    """Show a service's validation error next to the field it names, else as a message."""
    name = (err.param or "").removeprefix("room.").split(".")[0]
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors.append(err.message)
    else:
        flash(err.message, "error")


@bp.route("/rooms/new", methods=["GET", "POST"])
@login_required
def new_room():
    form = RoomForm()
    form.project_id.choices = [(p.id, p.name) for p in projects.list_projects()]
    if not form.project_id.choices:
        flash("Create a project first: make an API key for it on the Keys page.", "error")
        return redirect(url_for("admin.keys"))
    if form.validate_on_submit():
        try:
            metadata = json.loads(form.metadata.data) if form.metadata.data else None
        except json.JSONDecodeError:
            form.metadata.errors.append("Metadata must be valid JSON.")
        else:
            try:
                fields = validate(
                    rooms.RoomCreate,
                    {
                        "name": form.name.data,
                        "capabilities": form.capabilities.data,
                        "max_participants": form.max_participants.data,
                        "empty_timeout": form.empty_timeout.data,
                        "metadata": metadata,
                    },
                    prefix="room.",
                )
                room = rooms.create_room(form.project_id.data, fields)
                db.session.commit()
            except ApiError as err:
                db.session.rollback()
                _attach(form, err)
            else:
                flash(f"Room {room.name} created.", "success")
                return redirect(url_for("admin.room", room_id=room.id))
    return render_template("admin/room_new.html", form=form)


@bp.get("/rooms/<room_id>")
@login_required
def room(room_id: str):
    found = rooms.find_room(room_id)
    return render_template(
        "admin/room.html", room=found, form=ConfirmForm(), participant_count=rooms.participant_count(found)
    )


@bp.post("/rooms/<room_id>/close")
@login_required
def close_room(room_id: str):
    found = rooms.find_room(room_id)
    if ConfirmForm().validate_on_submit():
        rooms.close_room(found, actor="admin")
        db.session.commit()
        flash("Room closed.", "success")
    return redirect(url_for("admin.room", room_id=room_id))


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


def inject_user():
    return {"current_user": current_user}

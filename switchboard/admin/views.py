"""Admin pages. Views parse the form, call a service, and render."""

import json
from urllib.parse import urlparse

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from pydantic import ValidationError

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm, KeyForm, LoginForm, RoomForm
from switchboard.api.schemas.rooms import RoomCreate
from switchboard.errors import ApiError
from switchboard.extensions import db, login_manager
from switchboard.models import ApiKey, Project, Room, User
from switchboard.services import projects, rooms

login_manager.login_view = "admin.login"
login_manager.login_message = "Log in to see that page."


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, user_id)


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(User.email == form.email.data.lower()))
        if user is not None and user.check_password(form.password.data):
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
    status = request.args.get("status") or None
    query = db.select(Room).order_by(Room.created_at.desc()).limit(200)
    if status in ("idle", "active", "closed"):
        query = query.where(Room.status == status)
    room_list = list(db.session.scalars(query))
    project_names = {p.id: p.name for p in db.session.scalars(db.select(Project))}
    return render_template(
        "admin/rooms.html",
        rooms=room_list,
        project_names=project_names,
        status=status,
        count=rooms.participant_count,
    )


def _project_choices():
    return [(p.id, p.name) for p in db.session.scalars(db.select(Project).order_by(Project.name))]


@bp.route("/rooms/new", methods=["GET", "POST"])
@login_required
def new_room():
    form = RoomForm()
    form.project_id.choices = _project_choices()
    if not form.project_id.choices:
        flash("Create a project first: make an API key for it on the Keys page.", "error")
        return redirect(url_for("admin.keys"))
    if form.validate_on_submit():
        try:
            metadata = json.loads(form.metadata.data) if form.metadata.data else None
            fields = RoomCreate.model_validate(
                {
                    "name": form.name.data,
                    "capabilities": form.capabilities.data,
                    "max_participants": form.max_participants.data,
                    "empty_timeout": form.empty_timeout.data,
                    "metadata": metadata,
                }
            )
            room = rooms.create_room(form.project_id.data, fields)
            db.session.commit()
        except json.JSONDecodeError:
            form.metadata.errors.append("Metadata must be valid JSON.")
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            field = getattr(form, str(first["loc"][0]), form.name)
            field.errors.append(first["msg"].removeprefix("Value error, "))
        except ApiError as err:
            flash(err.message, "error")
        else:
            flash(f"Room {room.name} created.", "success")
            return redirect(url_for("admin.room", room_id=room.id))
    return render_template("admin/room_new.html", form=form)


@bp.get("/rooms/<room_id>")
@login_required
def room(room_id: str):
    found = db.session.get(Room, room_id) or abort(404)
    return render_template(
        "admin/room.html", room=found, form=ConfirmForm(), participant_count=rooms.participant_count(found)
    )


@bp.post("/rooms/<room_id>/close")
@login_required
def close_room(room_id: str):
    found = db.session.get(Room, room_id) or abort(404)
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
    key_list = list(db.session.scalars(db.select(ApiKey).order_by(ApiKey.created_at.desc())))
    return render_template(
        "admin/keys.html", form=form, keys=key_list, new_secret=new_secret, revoke_form=ConfirmForm()
    )


@bp.post("/keys/<key_id>/revoke")
@login_required
def revoke_key(key_id: str):
    key = db.session.get(ApiKey, key_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        projects.revoke_key(key)
        db.session.commit()
        flash(f"Key {key.prefix}… revoked.", "success")
    return redirect(url_for("admin.keys"))


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user}

"""Admin pages for running a visit: create a room, and on its page make join links, watch
the roster live (a JSON endpoint the page polls), remove people, read recent chat and the
sessions' time logs, close and purge."""

import json

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from switchboard.admin import bp
from switchboard.admin.forms import ConfirmForm, DenyForm, JoinLinkForm, RoomForm, attach_error
from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.models.base import isoformat
from switchboard.plumbing.validation import validate
from switchboard.services import chat, projects, rooms, tokens
from switchboard.services.tokens.specs import TokenCreate

RECENT_MESSAGES = 50
RECENT_SESSIONS = 10


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
                        "waiting_room": bool(form.waiting_room.data),
                        "ends_at": form.ends_at.data.isoformat() + "Z" if form.ends_at.data else None,
                        "recording_consent": form.recording_consent.data,
                    },
                    prefix="room.",
                )
                room = rooms.create_room(form.project_id.data, fields)
                db.session.commit()
            except ApiError as err:
                db.session.rollback()
                attach_error(form, err, prefix="room.")
            else:
                flash(f"Room {room.name} created.", "success")
                return redirect(url_for("admin.room", room_id=room.id))
    return render_template("admin/room_new.html", form=form)


def _render_room(room, link_form: JoinLinkForm, join_link=None):
    recent_sessions = rooms.list_sessions(room, limit=RECENT_SESSIONS, cursor=None).items
    return render_template(
        "admin/room.html",
        room=room,
        project_names=projects.project_names(),
        form=ConfirmForm(),
        link_form=link_form,
        join_link=join_link,
        people=rooms.list_connected(room) if room.status != "closed" else [],
        messages=chat.recent(room, limit=RECENT_MESSAGES),
        sessions=recent_sessions,
        time_logs=rooms.time_logs(recent_sessions),
        waiting=rooms.queue(room) if room.waiting_room and room.status != "closed" else [],
        deny_form=DenyForm(),
    )


@bp.get("/rooms/<room_id>")
@login_required
def room(room_id: str):
    return _render_room(rooms.find_room(room_id), JoinLinkForm())


@bp.post("/rooms/<room_id>/join_link")
@login_required
def join_link(room_id: str):
    """Mint a join token (services.tokens) and show its link once, on the room page."""
    found = rooms.find_room(room_id)
    form = JoinLinkForm()
    issued = None
    if form.validate_on_submit():
        data = {
            "identity": (form.identity.data or "").strip(),
            "role": (form.role.data or "").strip() or "participant",
            "ttl_seconds": form.ttl_seconds.data if form.ttl_seconds.data is not None else 3600,
        }
        if (form.name.data or "").strip():
            data["name"] = form.name.data.strip()
        try:
            fields = validate(TokenCreate, data)
            issued = tokens.issue_token(found, **fields.model_dump())
            db.session.commit()
        except ApiError as err:
            db.session.rollback()
            attach_error(form, err)
    return _render_room(found, form, join_link=issued.join_url if issued else None), 200 if issued else 422


def _person(person) -> dict:
    return {
        "identity": person.identity,
        "name": person.name,
        "role": person.role,
        "state": person.state,
        "joined_at": isoformat(person.joined_at),
        "tracks": [{"kind": t.kind, "source": t.source, "muted": t.muted} for t in person.tracks],
    }


@bp.get("/rooms/<room_id>/roster.json")
@login_required
def roster(room_id: str):
    """Who is connected and who waits now, for the room page's live roster and waiting room
    (same origin, login required)."""
    found = rooms.find_room(room_id)
    open_room = found.status != "closed"
    people = rooms.list_connected(found) if open_room else []
    body = {"data": [_person(p) for p in people], "room": {"status": found.status}}
    if found.waiting_room:
        body["waiting"] = rooms.queue(found) if open_room else []
    return jsonify(body)


@bp.post("/rooms/<room_id>/participants/remove")
@login_required
def remove_participant(room_id: str):
    """Remove someone (identity in the form body: identities never go in a URL or a log)."""
    found = rooms.find_room(room_id)
    if ConfirmForm().validate_on_submit():
        identity = request.form.get("identity", "")
        try:
            rooms.remove_participant(found, identity, actor="admin")
            db.session.commit()
            flash(f"{identity} was removed; their links no longer work.", "success")
        except ApiError as err:
            db.session.rollback()
            flash("They had already left." if err.status == 404 else err.message, "error")
    return redirect(url_for("admin.room", room_id=room_id))


@bp.post("/rooms/<room_id>/close")
@login_required
def close_room(room_id: str):
    found = rooms.find_room(room_id)
    if ConfirmForm().validate_on_submit():
        rooms.close_room(found, actor="admin")
        db.session.commit()
        flash("Room closed.", "success")
    return redirect(url_for("admin.room", room_id=room_id))


@bp.post("/rooms/<room_id>/purge")
@login_required
def purge_room(room_id: str):
    found = rooms.find_room(room_id)
    if ConfirmForm().validate_on_submit():
        try:
            rooms.purge_room(found)
            db.session.commit()
            flash("Chat, sessions and participants of this room were erased.", "success")
        except ApiError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("admin.room", room_id=room_id))

"""Admin pages: logging in and out, and the rooms list. Views parse the form, call a
service, and render. Rooms, keys, audit and webhooks have their own modules."""

from urllib.parse import urlparse

from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from switchboard.admin import bp, login_throttle
from switchboard.admin.forms import LoginForm
from switchboard.extensions import db
from switchboard.services import projects, rooms

ROOMS_PER_PAGE = 200


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


def _empty_session() -> None:
    """Drop everything the session holds, and the CSRF token Flask-WTF cached for this
    request from it: nothing from before a log-in or after a log-out carries over."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in, throttled per account and per address (`login_throttle`). The session is
    emptied before the user is put in it, so nothing from before the log-in carries over
    (session fixation); Flask-Login's "strong" protection drops it if the client changes."""
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr
        wait = login_throttle.retry_after(email, address)
        if wait is not None:
            login_throttle.refused(email)
            minutes = max(1, -(-wait // 60))
            message = (
                f"Too many failed log-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            )
            html = render_template("admin/login.html", form=form, throttled=message)
            return html, 429, {"Retry-After": str(wait)}
        user = projects.authenticate_user(email, form.password.data)
        if user is not None:
            login_throttle.succeeded(email)
            _empty_session()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.failed(email, address)
        flash("That email and password do not match.", "error")
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    projects.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    _empty_session()
    return redirect(url_for("admin.login"))


def _rooms():
    status = request.args.get("status")
    status = status if status in rooms.STATUSES else None
    room_list = rooms.list_rooms(None, status=status, limit=ROOMS_PER_PAGE, cursor=None).items
    return status, room_list, rooms.participant_counts([room.id for room in room_list])


@bp.get("/")
@login_required
def index():
    status, room_list, counts = _rooms()
    return render_template(
        "admin/rooms.html",
        rooms=room_list,
        statuses=rooms.STATUSES,
        project_names=projects.project_names(),
        status=status,
        counts=counts,
    )


@bp.get("/rooms.json")
@login_required
def rooms_status():
    """Status and head count of the listed rooms, for the rooms page to refresh in place."""
    _status, room_list, counts = _rooms()
    return jsonify(
        {"data": [{"id": r.id, "status": r.status, "participants": counts[r.id]} for r in room_list]}
    )


def inject_user():
    return {"current_user": current_user}

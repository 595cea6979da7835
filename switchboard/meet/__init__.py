"""The meeting page at /join/<room_id>; the join token rides in the URL fragment."""

from flask import Blueprint, render_template

bp = Blueprint("meet", __name__)


@bp.get("/join/<room_id>")
def join(room_id: str):
    return render_template("meet/join.html", room_id=room_id)


from switchboard.meet import recording  # noqa: E402,F401  (the recording page registers on bp)

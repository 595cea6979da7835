"""`GET /recording/template`: the page LiveKit Egress records (no Switchboard chrome).

Egress loads it with `?url=&token=&layout=`; the token is egress' own recorder token, so the
page needs no login and reads nothing from Switchboard.
"""

from flask import render_template

from switchboard.meet import bp


@bp.get("/recording/template")
def recording_template():
    response = render_template("recording/template.html")
    return response, 200, {"Cache-Control": "no-store"}

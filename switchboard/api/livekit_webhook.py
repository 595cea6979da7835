"""`POST /livekit/webhook`: LiveKit's webhooks in.

Outside /api/v1: LiveKit authenticates with a JWT signed by our LiveKit key, not an API
key, and this is not part of the public API. Errors still answer in the JSON envelope.
"""

from flask import Blueprint, jsonify, request

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit import webhooks
from switchboard.services import recordings, rooms

bp = Blueprint("livekit", __name__, url_prefix="/livekit")


@bp.post("/webhook")
def receive_webhook():
    body = request.get_data(as_text=True)
    try:
        event = webhooks.receive(body, request.headers.get("Authorization"))
    except webhooks.InvalidWebhook as exc:
        raise ApiError(401, str(exc), code="invalid_signature") from None
    rooms.handle_event(event)
    if event.egress is not None:
        recordings.handle_egress(event.egress)
    db.session.commit()
    return jsonify({"received": True})

"""`POST /livekit/webhook`: LiveKit's webhooks in, and the `flask livekit …` commands.

Outside /api/v1: LiveKit authenticates with a JWT signed by our LiveKit key, not an API
key, and this is not part of the public API. Errors still answer in the JSON envelope.
"""

import json

import click
from flask import Blueprint, jsonify, request

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.livekit import webhooks

bp = Blueprint("livekit", __name__, url_prefix="/livekit", cli_group="livekit")


@bp.post("/webhook")
def receive_webhook():
    from switchboard.services import lifecycle

    body = request.get_data(as_text=True)
    try:
        event = webhooks.receive(body, request.headers.get("Authorization"))
    except webhooks.InvalidWebhook as exc:
        raise ApiError(401, str(exc), code="invalid_signature") from None
    lifecycle.handle_event(event)
    db.session.commit()
    return jsonify({"received": True})


@bp.cli.command("reconcile")
def reconcile_command():
    """Compare LiveKit's rooms and participants with ours and repair ours."""
    from switchboard.services import lifecycle

    click.echo(json.dumps(lifecycle.reconcile()))

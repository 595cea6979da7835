"""HTTP face of join tokens: POST /api/v1/rooms/:room_id/tokens."""

from flask import current_app, g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok
from switchboard.api.schemas.tokens import TokenCreate, TokenOut
from switchboard.api.validation import parse_body
from switchboard.models.base import isoformat
from switchboard.services import rooms, tokens


@bp.post("/rooms/<room_id>/tokens")
@endpoint(
    "Mint a join token",
    body=TokenCreate,
    response=TokenOut,
    status=201,
    tag="Tokens",
    description="A LiveKit access token scoped to one room and one identity. Its rights follow the "
    "role, the room's `roles` policy and the room's capabilities. A closed room answers 409 `room_closed`.",
)
def create_token(room_id):
    room = rooms.get_room(g.project_id, room_id)
    fields = parse_body(TokenCreate)
    issued = tokens.issue_token(room, **fields.model_dump())
    config = current_app.config
    return ok(
        TokenOut(
            token=issued.jwt,
            url=config["LIVEKIT_URL"],
            expires_at=isoformat(issued.record.expires_at),
            join_url=f"{config['PUBLIC_URL']}/join/{room.id}#token={issued.jwt}",
            identity=issued.identity,
            role=issued.record.role,
        ).model_dump(mode="json"),
        201,
    )

"""HTTP face of join tokens: POST /api/v1/rooms/:room_id/tokens."""

from flask import g

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok
from switchboard.api.schemas.tokens import TokenOut
from switchboard.api.validation import parse_body
from switchboard.services import rooms, tokens
from switchboard.services.tokens.specs import TokenCreate


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
    return ok(TokenOut.build(tokens.issue_token(room, **fields.model_dump())).dump(), 201)

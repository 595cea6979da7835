"""The periodic check, one sweep per process over every open socket: each socket gets the
verdict for its own token and room, whatever other sockets and rooms the sweep covers, and
without any signal (the change happened in another process with no Redis between them)."""

import jwt as pyjwt

from switchboard.extensions import db
from switchboard.livekit.tokens import ATTR_TOKEN_ID
from switchboard.models import JoinToken, Room
from tests.realtime.test_chat_socket import join


def test_one_sweep_closes_only_the_sockets_whose_token_or_room_ended(app, api, mint, connect):
    ended_room, live_room = api.create_room(name="Ends"), api.create_room(name="Stays")
    in_ended = [join(connect, mint(ended_room["id"], f"e{n}"))[0] for n in range(3)]
    revoked_token = mint(live_room["id"], "revoked")
    revoked, _ = join(connect, revoked_token)
    keep = [join(connect, mint(live_room["id"], f"k{n}"))[0] for n in range(3)]

    # Behind the server's back: no signal reaches it, only its sweep can notice.
    db.session.execute(db.update(Room).where(Room.id == ended_room["id"]).values(status="closed"))
    db.session.execute(
        db.update(JoinToken).where(JoinToken.id == _token_id(revoked_token)).values(revoked_at=db.func.now())
    )
    db.session.commit()

    for client in in_ended:
        assert client.expect("room.closed", timeout=5, skip=("presence.joined", "presence.left"))
        assert client.close_code(timeout=5) == 4404
    assert revoked.close_code(timeout=5) == 4401
    # The others are still open and still served.
    keep[0].send("chat.message", {"body": "still here"}, ref="r1")
    for client in keep:
        message = client.expect("message.created", skip=("presence.joined", "presence.left", "ack"))
        assert message["data"]["body"] == "still here"


def _token_id(jwt: str) -> str:
    claims = pyjwt.decode(jwt, options={"verify_signature": False})
    return claims["attributes"][ATTR_TOKEN_ID]

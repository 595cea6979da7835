"""The one rule for join tokens (`tokens.honoured`), called directly."""

from datetime import timedelta

from switchboard.extensions import db
from switchboard.services import rooms, tokens


def test_a_fresh_token_is_honoured_for_its_room_and_identity(make_room):
    room = make_room()
    issued = tokens.issue_token(room, identity="patient-1")
    db.session.commit()
    verdict = tokens.honoured(issued.record.id, room=room, identity="patient-1", check_expiry=True)
    assert verdict and verdict.record.id == issued.record.id and verdict.reason is None


def test_unknown_tokens_other_identities_and_other_rooms_are_not(make_room):
    room, other = make_room(), make_room(name="Other")
    issued = tokens.issue_token(room, identity="patient-1")
    db.session.commit()
    for token_id, where, who in (
        ("tok_nope", room, "patient-1"),
        (None, room, "patient-1"),
        (issued.record.id, room, "patient-2"),
        (issued.record.id, other, "patient-1"),
        (issued.record.id, None, "patient-1"),
    ):
        verdict = tokens.honoured(token_id, room=where, identity=who, check_expiry=True)
        assert not verdict and verdict.reason == "unknown"


def test_a_revoked_token_is_not_honoured(make_room):
    room = make_room()
    issued = tokens.issue_token(room, identity="patient-1")
    tokens.revoke_identity(room, "patient-1")
    db.session.commit()
    verdict = tokens.honoured(issued.record.id, room=room, identity="patient-1", check_expiry=False)
    assert (bool(verdict), verdict.reason, verdict.room_closed) == (False, "revoked", False)


def test_a_closed_rooms_tokens_are_refused_and_say_the_room_is_closed(make_room):
    room = make_room()
    issued = tokens.issue_token(room, identity="patient-1")
    rooms.close_room(room)
    db.session.commit()
    verdict = tokens.honoured(issued.record.id, room=room, identity="patient-1", check_expiry=False)
    assert not verdict and verdict.room_closed


def test_expiry_counts_only_when_a_connection_opens(make_room):
    room = make_room()
    issued = tokens.issue_token(room, identity="patient-1", ttl_seconds=60)
    issued.record.expires_at -= timedelta(seconds=120)
    db.session.commit()
    at_open = tokens.honoured(issued.record.id, room=room, identity="patient-1", check_expiry=True)
    while_connected = tokens.honoured(issued.record.id, room=room, identity="patient-1", check_expiry=False)
    assert (at_open.reason, bool(while_connected)) == ("expired", True)

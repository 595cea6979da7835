"""The roster and its counts, called directly with LiveKit's participant data."""

from switchboard.extensions import db
from switchboard.livekit.client import Participant as LiveParticipant
from switchboard.livekit.tokens import VerifiedToken
from switchboard.models import Session
from switchboard.services import chat, rooms, tokens
from switchboard.services.rooms import roster


def joined(room, identity: str, sid: str):
    issued = tokens.issue_token(room, identity=identity)
    info = LiveParticipant(
        sid=sid, identity=identity, name=identity, token_id=issued.record.id, role="participant", joined_at=0
    )
    row = roster.record_joined(room, info, livekit_sid="RM_1")
    db.session.commit()
    return row


def chatting(room, identity: str):
    token = VerifiedToken(
        token_id="tok_x",
        identity=identity,
        name=identity,
        room_id=room.id,
        role="participant",
        chat=True,
        moderate=False,
    )
    chat.add_presence(token)
    db.session.commit()


def test_counts_distinct_identities_by_media_or_chat_for_many_rooms_at_once(make_room):
    first, second, empty = make_room(), make_room(name="B"), make_room(name="C")
    joined(first, "patient-1", "PA_1")
    joined(first, "clinician-1", "PA_2")
    chatting(first, "patient-1")  # the same person in the chat too: still one
    chatting(second, "observer-1")
    counts = rooms.participant_counts([first.id, second.id, empty.id])
    assert counts == {first.id: 2, second.id: 1, empty.id: 0}
    assert rooms.participant_count(first) == 2


def test_the_first_join_starts_a_session_and_ending_it_closes_every_time_log(make_room):
    room = make_room()
    a = joined(room, "patient-1", "PA_1")
    b = joined(room, "clinician-1", "PA_2")
    assert room.status == "active" and a.session_id == b.session_id
    assert roster.end_open_session(room, reason="left") is True
    db.session.commit()
    assert {a.state, b.state} == {"disconnected"} and {a.left_reason, b.left_reason} == {"left"}
    assert db.session.get(Session, a.session_id).ended_at is not None
    assert roster.end_open_session(room, reason="left") is False


def test_a_connection_is_marked_left_once(make_room):
    room = make_room()
    row = joined(room, "patient-1", "PA_1")
    assert roster.mark_left(row, reason="left") is True
    assert roster.mark_left(row, reason="removed") is False
    assert row.left_reason == "left"

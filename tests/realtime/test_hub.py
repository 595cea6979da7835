"""The hub's per-room ordering: early arrivals wait, gaps are filled from the database."""

import gevent
import pytest

from switchboard.extensions import db
from switchboard.livekit.tokens import VerifiedToken
from switchboard.realtime import hub as hub_module
from switchboard.realtime.hub import Hub
from switchboard.services import chat


class Recorder:
    def __init__(self):
        self.items = []

    def deliver(self, item):
        self.items.append(item)

    def seqs(self):
        return [item[1]["seq"] for item in self.items if item[0] == "message"]


@pytest.fixture
def hub(app):
    instance = Hub(app)
    yield instance
    instance.stop()


def stored(room_id: str, count: int) -> list[dict]:
    sender = VerifiedToken("tok_x", "a", "a", room_id, "participant", True, False)
    out = []
    for i in range(count):
        message = chat.post_message(room_id, sender, f"m{i}")
        out.append(chat.event_data(message))
        db.session.commit()
    return out


def test_out_of_order_arrivals_are_delivered_in_seq_order(hub, api):
    room = api.create_room()
    member = Recorder()
    hub.join(room["id"], member)
    messages = stored(room["id"], 3)
    for index in (2, 0, 1):
        hub.publish_message(room["id"], messages[index])
    assert member.seqs() == [1, 2, 3]


def test_a_lost_broadcast_is_filled_from_the_database(hub, api, monkeypatch):
    monkeypatch.setattr(hub_module, "FILL_DELAY", 0.01)
    room = api.create_room()
    member = Recorder()
    hub.join(room["id"], member)
    messages = stored(room["id"], 4)
    hub.publish_message(room["id"], messages[0])
    hub.publish_message(room["id"], messages[3])  # 2 and 3 were never broadcast
    assert member.seqs() == [1]
    gevent.sleep(0.2)
    assert member.seqs() == [1, 2, 3, 4]
    hub.publish_message(room["id"], messages[2])  # a late duplicate is dropped
    assert member.seqs() == [1, 2, 3, 4]


def test_a_new_channel_starts_after_what_is_already_stored(hub, api):
    room = api.create_room()
    messages = stored(room["id"], 2)
    member = Recorder()
    hub.join(room["id"], member)
    hub.publish_message(room["id"], messages[1])  # committed before the member joined
    assert member.seqs() == []
    hub.publish_message(room["id"], stored(room["id"], 1)[0])
    assert member.seqs() == [3]


def test_events_skip_nobody_and_control_items_reach_members(hub, api):
    room = api.create_room()
    member = Recorder()
    hub.join(room["id"], member)
    hub.publish_event(room["id"], "typing", {"identity": "a", "active": True}, origin="cx_1")
    hub.publish(room["id"], {"kind": "remove", "identity": "a"})
    hub.publish(room["id"], {"kind": "close"})
    assert member.items == [
        ("event", "typing", {"identity": "a", "active": True}, "cx_1"),
        ("remove", "a"),
        ("close_room",),
    ]
    hub.leave(room["id"], member)
    assert room["id"] not in hub.rooms


def test_without_redis_the_poll_delivers_messages_stored_by_other_processes(hub, api):
    room = api.create_room()
    member = Recorder()
    hub.join(room["id"], member)
    stored(room["id"], 3)  # as another process would: stored, never published here
    hub._catch_up_all()
    assert member.seqs() == [1, 2, 3]
    hub._catch_up_all()
    assert member.seqs() == [1, 2, 3]

"""Chat messages stored in batches (`realtime/writer.py`) keep the socket's contract: seq
gap-free and increasing, one order for every member, a sender's messages in the order sent,
each stored before it is broadcast, replies in the order of the frames, and a batch refused
by a closing room leaves no gap. Bursts from many sockets at once are what make batches."""

import threading
import time

import pytest
import requests
import sqlalchemy as sa

from switchboard.extensions import db

pytestmark = pytest.mark.slow

SENDERS, PER_SENDER = 8, 60


@pytest.fixture(scope="module")
def server_env():
    return {"CHAT_RATE_PER_SECOND": "100000", "CHAT_RATE_BURST": "100000"}


def join(connect, token):
    client = connect(token)
    client.expect("presence.state")
    return client


def stored_seqs(room_id: str) -> list[int]:
    db.session.rollback()
    query = sa.text("select seq from chat_messages where room_id = :room order by seq")
    return [row[0] for row in db.session.execute(query, {"room": room_id})]


def read_replies(client, count: int, out: list, errors: list) -> None:
    """Collect `count` acks/errors (and the message.created frames in between)."""
    try:
        replies = 0
        while replies < count:
            frame = client.recv(30)
            out.append(frame)
            if frame["event"] in ("ack", "error"):
                replies += 1
    except Exception as exc:  # reported by the test thread
        errors.append(repr(exc))


def test_a_burst_from_many_sockets_is_stored_gap_free_in_one_order(api, mint, connect):
    room = api.create_room()
    senders = [join(connect, mint(room["id"], f"s{n}")) for n in range(SENDERS)]
    readers = [join(connect, mint(room["id"], f"r{n}")) for n in range(2)]
    total = SENDERS * PER_SENDER
    frames: list[list] = [[] for _ in senders]
    errors: list[str] = []
    threads = [
        threading.Thread(target=read_replies, args=(s, PER_SENDER, frames[n], errors))
        for n, s in enumerate(senders)
    ]
    for thread in threads:
        thread.start()

    def burst(n: int) -> None:
        for i in range(PER_SENDER):
            senders[n].send("chat.message", {"body": f"s{n} {i}"}, ref=f"{n}-{i}")

    writers = [threading.Thread(target=burst, args=(n,)) for n in range(SENDERS)]
    for thread in writers:
        thread.start()
    for thread in writers + threads:
        thread.join(60)
    assert not errors, errors[:3]

    seen = [[(m["seq"], m["id"], m["from"], m["body"]) for m in reader.messages(total)] for reader in readers]
    assert [seq for seq, *_ in seen[0]] == list(range(1, total + 1))
    assert seen[1] == seen[0]
    assert stored_seqs(room["id"]) == list(range(1, total + 1))
    by_body = {body: (seq, msg_id) for seq, msg_id, _, body in seen[0]}
    for n, got in enumerate(frames):
        acks = [f for f in got if f["event"] == "ack"]
        # Every message acked once, in the order sent, with the seq and id everyone saw.
        assert [a["ref"] for a in acks] == [f"{n}-{i}" for i in range(PER_SENDER)]
        assert [(a["data"]["seq"], a["data"]["id"]) for a in acks] == [
            by_body[f"s{n} {i}"] for i in range(PER_SENDER)
        ]
        # A sender's own messages keep its order in the room's sequence.
        mine = [body for _, _, _, body in seen[0] if body.startswith(f"s{n} ")]
        assert mine == [f"s{n} {i}" for i in range(PER_SENDER)]
        # Stored before broadcast: the sender sees its message.created no later than its ack.
        for i in range(PER_SENDER):
            created = next(
                k
                for k, f in enumerate(got)
                if f["event"] == "message.created" and f["data"]["body"] == f"s{n} {i}"
            )
            acked = next(k for k, f in enumerate(got) if f["event"] == "ack" and f["ref"] == f"{n}-{i}")
            assert created < acked


def test_replies_keep_the_order_of_the_frames(api, mint, connect):
    room = api.create_room()
    client = join(connect, mint(room["id"], "alice"))
    for i in range(20):
        client.send("chat.message", {"body": f"m{i}"}, ref=f"m{i}")
        client.send("ping", ref=f"p{i}")
    replies = []
    while len(replies) < 40:
        frame = client.recv(10)
        if frame["event"] in ("ack", "pong"):
            replies.append(frame["ref"])
    assert replies == [ref for i in range(20) for ref in (f"m{i}", f"p{i}")]


def test_messages_racing_a_room_close_are_stored_or_refused_without_a_gap(api, mint, connect, server):
    room = api.create_room()
    senders = [join(connect, mint(room["id"], f"s{n}")) for n in range(4)]
    frames: list[list] = [[] for _ in senders]
    errors: list[str] = []
    per_sender = 400
    threads = [
        threading.Thread(target=read_replies, args=(s, per_sender, frames[n], errors))
        for n, s in enumerate(senders)
    ]
    for thread in threads:
        thread.start()

    def burst(n: int) -> None:
        for i in range(per_sender):
            senders[n].send("chat.message", {"body": f"s{n} {i}"}, ref=i)

    writers = [threading.Thread(target=burst, args=(n,)) for n in range(len(senders))]
    for thread in writers:
        thread.start()
    while sum(f["event"] == "ack" for got in frames for f in got) < 50 and any(t.is_alive() for t in threads):
        time.sleep(0.005)  # close the room mid-burst
    response = requests.delete(
        f"{server.url}/api/v1/rooms/{room['id']}", headers={"Authorization": f"Bearer {api.key}"}, timeout=10
    )
    assert response.status_code == 200
    for thread in writers + threads:
        thread.join(60)

    acked = sorted(f["data"]["seq"] for got in frames for f in got if f["event"] == "ack")
    refused = [f["data"]["code"] for got in frames for f in got if f["event"] == "error"]
    # Some made it before the close, the rest were refused (the socket is closed with 4404
    # soon after, which may end a reader before every reply arrived).
    assert acked, "nothing was stored before the room closed"
    assert set(refused) <= {"room_closed"}
    stored = stored_seqs(room["id"])
    assert stored == list(range(1, len(stored) + 1))
    assert set(acked) <= set(stored)

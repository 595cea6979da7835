"""PostgreSQL restarted in the middle of API writes and chat: 503 in the envelope while it is
down, nothing acknowledged lost or doubled, and the pool heals without restarting Switchboard."""

import time

import pytest
import requests

from tests.e2e.faults.conftest import (
    SECRET,
    ChatSender,
    Http,
    RoomWriter,
    assert_unavailable,
    rows,
)
from tests.support.servers import AppServer

pytestmark = pytest.mark.slow

FIGURES: dict = {}


def test_postgresql_restart_mid_traffic(postgres, database):
    url, key = database
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
    with AppServer(env) as web:
        http = Http(web.url, key)
        room = http.create_room(capabilities=["chat"])
        chat = ChatSender(web.url, http.mint(room["id"], "clinician-1")["token"], "pg")
        writer = RoomWriter(http, "pg-room")
        chat.start()
        writer.start()
        time.sleep(1.0)  # work is flowing

        down_at = time.monotonic()
        postgres.pg_ctl("stop")  # -m fast: every connection is cut mid-work
        during = [http.call("GET", f"/rooms/{room['id']}") for _ in range(3)]
        ready = requests.get(web.url + "/readyz", timeout=10)
        time.sleep(1.5)
        postgres.pg_ctl("start")
        up_at = time.monotonic()

        healed_at = None
        while time.monotonic() < up_at + 15:
            if http.call("GET", f"/rooms/{room['id']}").status_code == 200:
                healed_at = time.monotonic()
                break
            time.sleep(0.05)
        time.sleep(1.0)  # more work after the heal
        restarted_at = time.monotonic()
        postgres.restart()  # and a plain `pg_ctl restart -m fast` under the same traffic
        time.sleep(1.5)
        chat.stop()
        writer.stop()
        after = [http.call("GET", f"/rooms/{room['id']}") for _ in range(3)]
        assert web.proc.poll() is None  # Switchboard was never restarted
        server_log = web.log()

    # While it was down: the envelope, never a 500 or a hang.
    for response in during:
        assert_unavailable(response, "database_unavailable")
    assert_unavailable(ready, "database_unavailable")
    statuses = [a.status for a in writer.answers]
    assert set(statuses) <= {201, 503}, statuses
    for answer in writer.answers:
        if answer.status == 503:
            assert_unavailable(answer.body)
    assert max(a.seconds for a in writer.answers) < 5
    assert 503 in statuses  # the outage was seen by the writer
    assert chat.slowest < 5
    assert {e["code"] for e in chat.errors} <= {"unavailable"}, chat.errors

    # It healed by itself.
    assert healed_at is not None, server_log[-2000:]
    assert all(r.status_code == 200 for r in after)
    last = [a.status for a in writer.answers if a.at > healed_at + 0.5 and a.at < restarted_at]
    assert last and set(last) == {201}
    assert [a.status for a in writer.answers if a.at > restarted_at + 1.0][-3:] == [201] * 3

    # Nothing acknowledged lost or doubled: every created room once, every acked message once.
    names = [r[0] for r in rows(url, "select name from rooms where name like 'pg-room-%'")]
    assert sorted(names) == sorted(writer.created)  # each idempotency key made exactly one room
    stored = rows(
        url,
        "select body, seq from chat_messages where room_id = :room order by seq",
        room=room["id"],
    )
    bodies = [body for body, _ in stored]
    assert len(bodies) == len(set(bodies))
    assert set(chat.acked) <= set(bodies)
    assert set(bodies) <= set(chat.sent)
    assert [seq for _, seq in stored] == list(range(1, len(stored) + 1))  # gap-free
    for body, seq in stored:
        if body in chat.acked:
            assert chat.acked[body]["seq"] == seq
    assert len(chat.acked) > 10 and len(writer.created) > 5
    assert chat.reconnects == 0, chat.failures  # the socket outlived the outage

    FIGURES.update(
        outage_s=round(up_at - down_at, 2),
        heal_after_start_s=round(healed_at - up_at, 2),
        rooms_created=len(writer.created),
        room_503s=statuses.count(503),
        chat_acked=len(chat.acked),
        chat_errors=len(chat.errors),
        chat_stored_unacked=len(set(bodies) - set(chat.acked)),
        chat_reconnects=chat.reconnects,
        chat_failures=chat.failures,
    )
    print("postgresql restart:", FIGURES)

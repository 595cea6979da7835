"""The disk under the database fills up: writes answer 503 `storage_full` in the envelope and
change nothing, reads keep working, and once space is freed writes succeed again without a
restart. The SQLite database lives on a small tmpfs mounted for the test (root only)."""

import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from tests.e2e.faults.conftest import SECRET, Http, assert_unavailable, prepare_database, scalar
from tests.support.chatclient import ChatClient
from tests.support.components import require_component
from tests.support.servers import AppServer

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        require_component("a tmpfs mount", "mounting a small filesystem needs root")
    path = tempfile.mkdtemp(prefix="faults-disk-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", path], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)
        shutil.rmtree(path, ignore_errors=True)


def fill(path: str) -> str:
    """Write a file until the filesystem refuses another byte; its path."""
    filler = os.path.join(path, "filler")
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def send(client: ChatClient, body: str, ref: str) -> dict:
    client.send("chat.message", {"body": body}, ref=ref)
    while True:
        frame = client.recv(timeout=10)
        if frame["event"] in ("ack", "error") and frame.get("ref") == ref:
            return frame


def test_a_full_disk_refuses_writes_keeps_reads_and_heals_when_space_returns(small_disk):
    url = "sqlite:///" + os.path.join(small_disk, "switchboard.db")
    key = prepare_database(url)
    with AppServer({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}) as web:
        http = Http(web.url, key)
        room = http.create_room(capabilities=["chat"])
        chat = ChatClient(web.url, http.mint(room["id"], "clinician-1")["token"])
        assert send(chat, "before", "1")["event"] == "ack"
        rooms_before = scalar(url, "select count(*) from rooms")

        filler = fill(small_disk)
        body = {"room": {"name": "x" * 120, "metadata": {"note": "y" * 2000}, "capabilities": ["chat"]}}
        refused = []
        for _ in range(3):
            started = time.monotonic()
            response = http.call("POST", "/rooms", json=body, headers={"Idempotency-Key": "disk-full-1"})
            refused.append((response, time.monotonic() - started))
        for response, seconds in refused:
            assert_unavailable(response, "storage_full")
            assert seconds < 5
        frame = send(chat, "during " + "z" * 3000, "2")
        assert frame["event"] == "error" and frame["data"]["code"] == "unavailable", frame
        # Reads keep working.
        assert http.call("GET", f"/rooms/{room['id']}").status_code == 200
        assert http.call("GET", "/rooms").status_code == 200
        listed = http.call("GET", f"/rooms/{room['id']}/messages").json()["data"]
        assert [m["body"] for m in listed] == ["before"]
        ready = requests.get(web.url + "/readyz", timeout=5)
        assert ready.status_code == 200  # the database answers; it is only full

        os.remove(filler)
        freed_at = time.monotonic()
        response = http.call("POST", "/rooms", json=body, headers={"Idempotency-Key": "disk-full-1"})
        healed = time.monotonic() - freed_at
        assert response.status_code == 201, response.text  # the same key: nothing was stored before
        assert send(chat, "after", "3")["event"] == "ack"
        chat.close()
        assert web.proc.poll() is None
        assert "Traceback" not in web.log()

    # Nothing half-written: one room per successful create, the messages that were acked.
    assert scalar(url, "select count(*) from rooms") == rooms_before + 1
    assert scalar(url, "select count(*) from idempotency_keys where key = 'disk-full-1'") == 1
    bodies = [m for m in (scalar(url, "select group_concat(body, '|') from chat_messages") or "").split("|")]
    assert bodies == ["before", "after"]
    print("disk full:", {"refusals": len(refused), "heal_s": round(healed, 3)})

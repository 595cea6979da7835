"""The meeting page in headless Chromium against a real gunicorn + gevent server."""

import pytest

from tests.support.chatclient import ChatClient

pytestmark = pytest.mark.slow


def join_url(api, room_id, identity, **body):
    response = api.post(f"/rooms/{room_id}/tokens", json={"identity": identity, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def rebase(url: str, server) -> str:
    return server.url + url[url.index("/join/") :]


def test_join_page_exchanges_chat_with_another_member(api, server, page_factory):
    room = api.create_room(capabilities=["chat"], name="Intake chat")
    alice = join_url(api, room["id"], "alice", name="Alice Doe")
    bob = join_url(api, room["id"], "bob", name="Bob Roe")

    page = page_factory()
    page.goto(rebase(alice["join_url"], server))
    page.wait_for_selector("#prejoin:not([hidden])")
    assert "Intake chat" in page.inner_text("#room-name")
    assert "#token=" not in page.url  # the token leaves the address bar
    page.click("#join-button")
    page.wait_for_selector("#chat:not([hidden])")

    other = ChatClient(server.url, bob["token"])
    try:
        other.expect("presence.state")
        page.wait_for_selector('#roster li[data-identity="bob"]')
        page.fill("#chat-input", "Hello from the browser")
        page.click("#chat-send")
        got = other.expect("message.created")["data"]
        assert (got["from"], got["body"]) == ("alice", "Hello from the browser")

        other.send("typing", {"active": True})
        page.wait_for_function("() => document.getElementById('typing').textContent.includes('Bob Roe')")
        other.send("chat.message", {"body": "Hello <b>back</b>"})
        item = page.wait_for_selector('#messages li[data-seq="2"]')
        assert "Hello <b>back</b>" in item.inner_text()  # text, never HTML
        assert page.locator("#messages b").count() == 0
        assert "Bob Roe" in item.inner_text()

        # A reload keeps the token (this tab only) and replays the history.
        page.reload()
        page.click("#join-button")
        page.wait_for_selector('#messages li[data-seq="2"]')
        assert page.locator("#messages li").count() == 2
    finally:
        other.close()


def test_join_page_explains_revoked_links_and_closed_rooms(api, server, page_factory):
    room = api.create_room(capabilities=["chat"])
    alice = join_url(api, room["id"], "alice")
    page = page_factory()
    page.goto(rebase(alice["join_url"], server))
    page.click("#join-button")
    page.wait_for_selector("#chat:not([hidden])")
    api.delete(f"/rooms/{room['id']}")
    page.wait_for_selector("#notice:not([hidden])", timeout=10000)
    assert "closed" in page.inner_text("#notice-title")

    missing = page_factory()
    missing.goto(f"{server.url}/join/{room['id']}")
    assert "missing its token" in missing.inner_text("#notice-title")

    bad = page_factory()
    bad.goto(f"{server.url}/join/{room['id']}#token=garbage")
    bad.wait_for_selector("#notice:not([hidden])")
    assert "no longer works" in bad.inner_text("#notice-title")


def test_page_reconnects_after_a_server_restart_and_resyncs_what_it_missed(
    api, backend, database_urls, page_factory
):
    import signal

    from tests.support.servers import AppServer

    room = api.create_room(capabilities=["chat"])
    alice = join_url(api, room["id"], "alice")
    bob = join_url(api, room["id"], "bob")
    env = {"DATABASE_URL": database_urls(backend), "REDIS_URL": "", "API_RATE_LIMIT": "100000 per second"}
    first = AppServer(env=env).start()
    page = page_factory()
    try:
        page.goto(rebase(alice["join_url"], first))
        page.click("#join-button")
        page.wait_for_selector("#chat:not([hidden])")
        page.fill("#chat-input", "before the restart")
        page.click("#chat-send")
        page.wait_for_selector('#messages li[data-seq="1"]')
    finally:
        first.stop(sig=signal.SIGKILL)  # sockets drop at once
    page.wait_for_selector("#call-banner:not([hidden])")
    assert "Reconnecting" in page.inner_text("#call-banner")

    with AppServer(env=env, port=first.port) as second:
        other = ChatClient(second.url, bob["token"])
        try:
            other.expect("presence.state")
            for i in range(3):
                other.send("chat.message", {"body": f"while you were away {i}"})
            assert [m["seq"] for m in other.messages(3)] == [2, 3, 4]
            page.wait_for_selector('#messages li[data-seq="4"]', timeout=20000)
            assert page.locator("#call-banner").is_hidden()
            seqs = page.eval_on_selector_all(
                "#messages li", "items => items.map(li => Number(li.dataset.seq))"
            )
            assert seqs == [1, 2, 3, 4]
        finally:
            other.close()

"""The meeting page in headless Chromium against a real gunicorn + gevent server."""

import pytest

from tests.realtime.chatclient import ChatClient

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
        page.wait_for_function("document.getElementById('typing').textContent.includes('Bob Roe')")
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

"""The admin log-in: throttled per account and per address, a fresh session on log-in and
log-out (no session fixation), and cookie flags."""

import logging
import uuid

import redis
from flask import g

from switchboard import create_app
from switchboard.admin import login_throttle
from tests.admin.conftest import PASSWORD, create_admin, csrf_token, log_in
from tests.support.components import require_component

THROTTLED = "Too many failed log-in attempts."


def attempt(client, email: str, password: str, **kw):
    # The `app` fixture keeps one app context around every request, so `g` would hand one
    # client's cached CSRF token (Flask-WTF keeps it there) to another: drop it.
    g.pop("csrf_token", None)
    token = csrf_token(client, "/admin/login")
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token}, **kw)


def fail(client, email: str, times: int, **kw):
    for _ in range(times):
        response = attempt(client, email, "wrong password", **kw)
        assert response.status_code == 200, response.status_code
        assert "That email and password do not match." in response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(app, client):
    create_admin()
    fail(client, "ops@example.com", 5)
    response = attempt(client, "ops@example.com", PASSWORD)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert THROTTLED in html and "Try again in 15 minutes." in html
    assert 800 < int(response.headers["Retry-After"]) <= 901
    assert "_user_id" not in _session(client)
    # Another account from the same address is not locked by it.
    create_other_admin()
    assert attempt(client, "second@example.com", PASSWORD).status_code == 302


def test_an_unknown_account_is_throttled_the_same_way(app, client):
    create_admin()
    fail(client, "ops@example.com", 5)
    fail(client, "nobody@example.com", 5)
    known = attempt(client, "ops@example.com", "wrong password")
    unknown = attempt(client, "nobody@example.com", "wrong password")
    assert known.status_code == unknown.status_code == 429
    # The same page (apart from the form's CSRF token): nothing tells the accounts apart.
    assert _without_tokens(known) == _without_tokens(unknown)


def test_the_account_counter_ignores_case_and_spaces(app, client):
    create_admin()
    fail(client, "OPS@example.com", 3)
    fail(client, " ops@example.com", 2)
    assert attempt(client, "ops@example.com", PASSWORD).status_code == 429


def test_a_successful_log_in_resets_the_account_counter(app, client):
    create_admin()
    fail(client, "ops@example.com", 4)
    assert attempt(client, "ops@example.com", PASSWORD).status_code == 302
    fresh = app.test_client()
    fail(fresh, "ops@example.com", 4)  # would be the 8th failure without the reset
    assert attempt(fresh, "ops@example.com", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_the_address(app, client):
    create_admin()
    for n in range(5):
        fail(client, f"guess{n}@example.com", 4)  # never five for one account
    response = attempt(client, "ops@example.com", PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    # Another address still gets in.
    other = app.test_client()
    assert (
        attempt(other, "ops@example.com", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
        == 302
    )


def test_failures_are_logged_without_the_email(app, client, caplog, monkeypatch):
    # The migrations' logging.config.fileConfig (run once per session by the fixtures)
    # disables loggers that already exist; a served app never runs it.
    monkeypatch.setattr(login_throttle.log, "disabled", False)
    create_admin()
    with caplog.at_level(logging.WARNING):
        fail(client, "ops@example.com", 5)
        attempt(client, "ops@example.com", PASSWORD)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "admin login failed" in text and "admin login refused" in text
    assert "ops@example.com" not in text and "example.com" not in text


def test_the_counters_are_shared_through_redis(backend, database_urls):
    """Two app instances (as two processes would be) count in the same Redis, under hashed keys."""
    url = "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        require_component("Redis", f"cannot reach {url}: {exc}")
    prefix = "switchboard-test-" + uuid.uuid4().hex[:8]
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_urls(backend),
        "TESTING": True,
        "REDIS_URL": url,
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    try:
        first = create_app(settings)
        with first.app_context():
            fail(first.test_client(), "shared@example.com", 5)
        keys = [key.decode() for key in client.scan_iter(f"*{prefix}*")]
        assert keys and not any("shared" in key for key in keys)
        second = create_app(settings)  # its own storage connection, the same Redis
        with second.app_context():
            response = attempt(second.test_client(), "shared@example.com", "whatever")
            assert response.status_code == 429
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def test_a_session_cookie_from_before_log_in_is_not_authenticated_after_it(app, client):
    """Session fixation: the attacker plants a session (cookie) on the victim's browser, the
    victim logs in, the attacker replays the cookie."""
    create_admin()
    client.get("/admin/login")
    with client.session_transaction() as session:
        session["planted"] = "by the attacker"
    planted = client.get_cookie("session").value
    assert log_in(client).status_code == 302
    after = client.get_cookie("session").value
    assert after != planted
    assert "planted" not in _session(client)  # nothing carried over into the logged-in session
    assert client.get("/admin/").status_code == 200

    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    with app.app_context():  # a request of its own: nothing cached in `g` from the victim's
        response = attacker.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_log_out_empties_the_session(app, client):
    create_admin()
    assert log_in(client).status_code == 302
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert _session(client) == {}
    with app.app_context():
        assert client.get("/admin/").status_code == 302


def test_a_session_used_from_another_browser_is_dropped(app, client):
    """Flask-Login's strong protection: the session is bound to the address and user agent."""
    create_admin()
    assert log_in(client).status_code == 302
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    with app.app_context():  # a request of its own: nothing cached in `g` from the owner's
        response = thief.get(
            "/admin/", headers={"User-Agent": "thief/1.0"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_cookies_are_secure_httponly_and_lax_over_https(backend, database_urls, monkeypatch):
    """PUBLIC_URL https (read from the environment, as in production) turns Secure on."""
    monkeypatch.setenv("PUBLIC_URL", "https://switchboard.test")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_urls(backend), "TESTING": True})
    email = f"https-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        create_admin_with(email)
        client = app.test_client()
        base = "https://switchboard.test"
        page = client.get("/admin/login", base_url=base)
        assert _cookie_flags(page) >= {"secure", "httponly", "samesite=lax", "path=/"}
        token = csrf_token_from(page)
        response = client.post(
            "/admin/login",
            base_url=base,
            headers={"Referer": base + "/admin/login"},  # Flask-WTF checks it over HTTPS
            data={"email": email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        assert _cookie_flags(response) >= {"secure", "httponly", "samesite=lax"}
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]


def test_cookies_over_plain_http_are_not_secure_but_httponly_and_lax(client):
    flags = _cookie_flags(client.get("/admin/login"))
    assert "secure" not in flags and {"httponly", "samesite=lax"} <= flags


def create_other_admin() -> None:
    create_admin_with("second@example.com")


def create_admin_with(email: str) -> None:
    from switchboard.extensions import db
    from switchboard.models import User

    user = User(email=email)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()


def csrf_token_from(response) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _cookie_flags(response) -> set[str]:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    return {part.strip().lower() for part in header.split(";")[1:]}


def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _without_tokens(response) -> str:
    import re

    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_an_unknown_email_takes_as_long_as_a_wrong_password(app, client):
    """No timing oracle: both run one password hash (scrypt, tens of milliseconds)."""
    import time

    from switchboard.services import projects

    create_admin()

    def timed(email):
        start = time.perf_counter()
        assert projects.authenticate_user(email, "wrong password") is None
        return time.perf_counter() - start

    known = min(timed("ops@example.com") for _ in range(3))
    unknown = min(timed("nobody@example.com") for _ in range(3))
    assert unknown > 0.3 * known  # without the decoy hash: ~1 ms against ~50 ms


def test_a_session_cookie_copied_before_log_out_is_worthless_after_it(app, client):
    """Flask's session lives in the cookie; the user's session epoch makes log-out stick."""
    create_admin()
    assert log_in(client).status_code == 302
    copied = client.get_cookie("session").value
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    with app.app_context():
        response = replay.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    # Logging in again works, with a new cookie.
    assert log_in(app.test_client()).status_code == 302


def test_a_password_reset_ends_every_session(app, client, runner):
    create_admin()
    assert log_in(client).status_code == 302
    with app.app_context():
        assert client.get("/admin/").status_code == 200
    result = runner.invoke(args=["users", "create", "ops@example.com", "--password", "a brand new secret"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]

"""Security headers on every page type and on the API (switchboard/security_headers.py), and
no inline script or style in any page the app renders."""

import re
from pathlib import Path

import pytest

from switchboard.models import Project
from tests.admin.conftest import create_admin, log_in

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I)


@pytest.fixture
def app_config():
    return {"LIVEKIT_URL": "wss://media.switchboard.test:7443"}


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split(None, 1) for part in policy.split(";") if part.strip()]
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def assert_page_policy(response):
    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["img-src"] == "'self' data: blob:"
    assert csp["media-src"] == "'self' blob:"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    connect = csp["connect-src"].split()
    assert "'self'" in connect
    # LiveKit in both forms, and the page's own origin as a ws origin (the chat socket).
    assert {"wss://media.switchboard.test:7443", "https://media.switchboard.test:7443"} <= set(connect)
    assert "ws://switchboard.test" in connect
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def assert_no_inline_code(html: str):
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)


PUBLIC_PAGES = ["/", "/join/rm_0123456789abcdef", "/api/v1/docs", "/recording/template", "/admin/login"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_the_policy_and_no_inline_code(client, path):
    response = client.get(path, base_url="http://switchboard.test")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_page_policy(response)
    assert_no_inline_code(response.get_data(as_text=True))
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_error_pages_have_the_policy(client):
    response = client.get("/nothing/here", base_url="http://switchboard.test")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert_page_policy(response)
    assert_no_inline_code(response.get_data(as_text=True))


def test_admin_pages_have_the_policy_no_inline_code_and_are_not_cached(app, client, api):
    room = api.create_room()
    project_id = Project.query.filter_by(name="acme").one().id
    create_admin()
    assert log_in(client).status_code == 302
    pages = [
        "/admin/",
        "/admin/rooms/new",
        f"/admin/rooms/{room['id']}",
        f"/admin/rooms/{room['id']}/recordings",
        "/admin/keys",
        "/admin/webhooks",
        "/admin/audit",
        f"/admin/projects/{project_id}/recording_settings",
    ]
    for path in pages:
        response = client.get(path, base_url="http://switchboard.test")
        assert response.status_code == 200, path
        assert_page_policy(response)
        assert_no_inline_code(response.get_data(as_text=True))
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert "camera=()" in response.headers["Permissions-Policy"], path


def test_join_page_may_use_devices_and_sends_no_referrer(client):
    response = client.get("/join/rm_0123456789abcdef")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "display-capture"):
        assert f"{feature}=(self)" in policy
    assert "geolocation=()" in policy


@pytest.mark.parametrize("path", ["/", "/api/v1/docs", "/recording/template", "/admin/login"])
def test_other_pages_may_not_use_devices(client, path):
    policy = client.get(path).headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "display-capture"):
        assert f"{feature}=()" in policy
    if path == "/recording/template":
        assert client.get(path).headers["Referrer-Policy"] == "no-referrer"


def test_api_responses_are_nosniff_uncached_and_not_framable(api):
    room = api.create_room()
    minted = api.post(f"/rooms/{room['id']}/tokens", json={"identity": "patient-9182"})
    listed = api.get("/rooms")
    refused = api.client.get("/api/v1/rooms")  # no key: the error envelope
    for response in (minted, listed, refused):
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert minted.status_code == 201 and refused.status_code == 401


def test_static_files_are_nosniff(client):
    response = client.get("/static/switchboard.js")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://switchboard.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Without a trusted proxy a forwarded scheme is the client's say-so: no HSTS.
    forwarded = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forwarded.headers


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXY_HOPS": 1}])
def test_hsts_behind_a_trusted_proxy(client):
    forwarded = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sb.example.com"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000"
    # The page's own ws origin follows what the proxy says the browser reached.
    assert "wss://sb.example.com" in directives(forwarded)["connect-src"].split()


def test_no_template_has_inline_script_or_style():
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        assert not INLINE_SCRIPT.search(source), template
        assert not EVENT_HANDLER.search(source), template
        assert not INLINE_STYLE.search(source), template

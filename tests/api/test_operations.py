"""Operations: `/healthz`, `/readyz`, the home page and the API reference page."""

import re

import pytest
import redis

from switchboard import create_app
from tests.support.components import require_component
from tests.support.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config():
    # Nothing listens on these ports: LiveKit and Redis are reported unreachable.
    return {"LIVEKIT_API_URL": f"http://127.0.0.1:{free_port()}", "REDIS_URL": ""}


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"data": {"status": "ok"}}


def test_readyz_reports_components_and_is_ready_while_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "data": {"status": "ready", "database": "ok", "livekit": "unreachable", "redis": "not_configured"}
    }


def test_readyz_reports_redis(app, client):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_component("Redis", f"cannot reach {REDIS_URL}: {exc}")
    app.config["REDIS_URL"] = REDIS_URL
    assert client.get("/readyz").get_json()["data"]["redis"] == "ok"
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 200  # Redis down does not make the process unready
    assert response.get_json()["data"]["redis"] == "unreachable"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/switchboard.db",
        "postgresql://switchboard:switchboard@127.0.0.1:{port}/switchboard",
    ],
)
def test_readyz_is_503_in_the_envelope_when_the_database_is_unreachable(url, tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.format(port=free_port()),
            "TESTING": True,
            "LIVEKIT_API_URL": f"http://127.0.0.1:{free_port()}",
            "REDIS_URL": "",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["type"] == "unavailable"
    assert error["code"] == "database_unavailable"
    assert "database" in error["message"]
    assert app.test_client().get("/healthz").status_code == 200  # alive, just not ready


def test_home_page_leads_to_the_admin_and_the_docs(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in html
    assert 'href="/api/v1/docs"' in html


def test_docs_page_loads_the_renderer_from_static_without_inline_script(client):
    response = client.get("/api/v1/docs")  # public: no API key
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path


def test_docs_page_is_a_page_not_an_operation_of_the_spec(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/docs" not in paths and "/openapi.json" in paths

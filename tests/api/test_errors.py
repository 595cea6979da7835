"""One error vocabulary: JSON envelopes for the API, HTML pages for browsers, no tracebacks."""

import logging

import pytest


def test_unknown_api_path_is_a_json_404(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "not_found"


def test_wrong_method_is_a_json_405_with_allow(api):
    response = api.client.put("/api/v1/rooms", headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_browser_404_is_an_html_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"404" in response.data


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def test_an_unexpected_error_never_leaks_a_traceback(app, client, api, monkeypatch, caplog):
    from switchboard.services import rooms

    def boom(*args, **kwargs):
        raise RuntimeError("secret-internal-detail patient-9182")

    monkeypatch.setattr(rooms, "create_room", boom)
    with caplog.at_level(logging.ERROR):
        response = api.post("/rooms", json={"room": {"name": "x", "capabilities": ["chat"]}})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert response.get_json()["error"]["type"] == "api_error"
    assert "Traceback" not in body and "secret-internal-detail" not in body


def test_metadata_never_reaches_the_logs(app, api, caplog):
    marker = "phi-marker-7c1e"
    with caplog.at_level(logging.DEBUG):
        room = api.create_room(metadata={"note": marker})
        api.patch(f"/rooms/{room['id']}", json={"room": {"metadata": {"note": marker + "2"}}})
        api.post(
            "/rooms", json={"room": {"name": "x", "capabilities": ["chat"], "metadata": {"n": marker * 400}}}
        )
    assert marker not in caplog.text


def test_rate_limit_answers_429_with_retry_after(app, api, other_api):
    app.config["API_RATE_LIMIT"] = "5 per minute"
    statuses = [api.get("/rooms").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = api.get("/rooms")
    assert response.get_json()["error"]["type"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    # Limits are per key: another project's key is unaffected.
    assert other_api.get("/rooms").status_code == 200

"""The web server's access log never shows a participant identity."""

import requests

from tests.support.servers import AppServer


def test_identity_in_a_removal_path_is_redacted_in_the_access_log(database_urls):
    with AppServer(env={"DATABASE_URL": database_urls("sqlite")}) as server:
        requests.delete(server.url + "/api/v1/rooms/rm_x/participants/patient-9182", timeout=5)
        requests.get(server.url + "/api/v1/openapi.json", timeout=5)
    log = server.log()  # read once stopped: every line is flushed
    assert "/api/v1/rooms/rm_x/participants/[redacted]" in log
    assert "patient-9182" not in log
    assert "/api/v1/openapi.json" in log

"""Control plane: Switchboard's API under 2 gunicorn gevent workers on PostgreSQL next to
livekit-server's own Twirp CreateRoom, all driven by the same wrk script and concurrency."""

from datetime import timedelta

import requests
from livekit import api

from bench.loadgen import wrk
from tests.support.servers import AppServer, LiveKitServer


def livekit_admin_token(node: LiveKitServer) -> str:
    grants = api.VideoGrants(room_create=True, room_list=True, room_admin=True)
    return (
        api.AccessToken(node.api_key, node.api_secret)
        .with_grants(grants)
        .with_ttl(timedelta(hours=1))
        .to_jwt()
    )


def run(database_url: str, key: str, node: LiveKitServer, *, connections: int, seconds: int) -> list[dict]:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "LIVEKIT_URL": node.ws_url,
        "LIVEKIT_API_KEY": node.api_key,
        "LIVEKIT_API_SECRET": node.api_secret,
        "API_RATE_LIMIT": "1000000 per second",
        "LOG_LEVEL": "WARNING",
    }
    auth = f"Bearer {key}"
    rows = []
    with AppServer(env=env, workers=2) as server:
        room = requests.post(
            server.url + "/api/v1/rooms",
            json={"room": {"name": "control", "capabilities": ["video", "chat"]}},
            headers={"Authorization": auth},
            timeout=10,
        ).json()["data"]
        base = server.url + "/api/v1"
        cases = [
            (
                "Switchboard POST /rooms",
                f"{base}/rooms",
                "POST",
                '{"room": {"name": "r-{n}", "capabilities": ["video", "chat"]}}',
            ),
            (
                "Switchboard POST /rooms/:id/tokens",
                f"{base}/rooms/{room['id']}/tokens",
                "POST",
                '{"identity": "p-{n}"}',
            ),
            (
                "Switchboard GET /rooms/:id/participants",
                f"{base}/rooms/{room['id']}/participants",
                "GET",
                None,
            ),
        ]
        for name, url, method, body in cases:
            wrk(url, method=method, body=body, auth=auth, connections=connections, seconds=2)  # warm up
            rows.append(
                {
                    "case": name,
                    **wrk(url, method=method, body=body, auth=auth, connections=connections, seconds=seconds),
                }
            )
    twirp = node.http_url + "/twirp/livekit.RoomService/CreateRoom"
    lk_auth = "Bearer " + livekit_admin_token(node)
    wrk(twirp, method="POST", body='{"name": "warm-{n}"}', auth=lk_auth, connections=connections, seconds=2)
    rows.append(
        {
            "case": "livekit-server Twirp CreateRoom",
            **wrk(
                twirp,
                method="POST",
                body='{"name": "lk-{n}"}',
                auth=lk_auth,
                connections=connections,
                seconds=seconds,
            ),
        }
    )
    return rows

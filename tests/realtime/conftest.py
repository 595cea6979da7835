"""End-to-end chat fixtures: Switchboard under gunicorn + gevent on the test database.

The server is shared by a module's tests (one per backend); `backend` is module-scoped here
so tests are grouped by database and each group starts one server.
"""

import pytest

from tests.conftest import BACKENDS
from tests.support.chatclient import ChatClient
from tests.support.servers import AppServer


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def server_env() -> dict:
    """Extra environment for the module's server; override in a module to change it."""
    return {}


@pytest.fixture(scope="module")
def server(backend, database_urls, server_env):
    env = {
        "DATABASE_URL": database_urls(backend),
        "REALTIME_CHECK_SECONDS": "1",
        "API_RATE_LIMIT": "100000 per second",
        "REDIS_URL": "",
        **server_env,
    }
    with AppServer(env=env) as srv:
        yield srv


@pytest.fixture
def mint(api):
    def mint(room_id: str, identity: str, **body) -> str:
        return api.mint(room_id, identity, **body)["token"]

    return mint


@pytest.fixture
def connect(server):
    clients: list[ChatClient] = []

    def connect(token: str, since: int | None = None, srv=None) -> ChatClient:
        client = ChatClient((srv or server).url, token, since)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()

"""A real livekit-server whose webhooks reach Switchboard running under gunicorn + gevent.

End-to-end tests here run on PostgreSQL only (production's database) to keep the suite
lean; the webhook and API logic they exercise is also tested on SQLite in-process.
"""

import time

import pytest

from tests.support.servers import AppServer, LiveKitServer, free_port

IDENTITY_HASH_KEY = "e2e-identity-hash-key-0123456789"


class Stack:
    def __init__(self, database_url: str):
        self.app_port = free_port()
        self.database_url = database_url
        self.livekit = LiveKitServer(webhook_urls=[f"http://127.0.0.1:{self.app_port}/livekit/webhook"])
        self.web: AppServer | None = None

    def start(self) -> "Stack":
        self.livekit.start()
        self.web = AppServer(
            env={
                "DATABASE_URL": self.database_url,
                "LIVEKIT_URL": self.livekit.ws_url,
                "LIVEKIT_API_KEY": self.livekit.api_key,
                "LIVEKIT_API_SECRET": self.livekit.api_secret,
                "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
                "LOG_LEVEL": "WARNING",
            },
            port=self.app_port,
        ).start()
        return self

    def restart_livekit(self, *, webhooks: bool = True) -> None:
        """A new livekit-server on the same HTTP port (a crashed one coming back)."""
        self.livekit.stop()
        urls = [f"http://127.0.0.1:{self.app_port}/livekit/webhook"] if webhooks else []
        self.livekit = LiveKitServer(webhook_urls=urls, port=self.livekit.port).start()

    def app_config(self) -> dict:
        return {
            "LIVEKIT_URL": self.livekit.ws_url,
            "LIVEKIT_API_URL": self.livekit.http_url,
            "LIVEKIT_API_KEY": self.livekit.api_key,
            "LIVEKIT_API_SECRET": self.livekit.api_secret,
            "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
            "LIVEKIT_TIMEOUT": 2.0,
        }

    def stop(self) -> None:
        if self.web:
            self.web.stop()
        self.livekit.stop()
        self.livekit.cleanup()


@pytest.fixture(params=["postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def stack(database_urls):
    running = Stack(database_urls("postgresql")).start()
    yield running
    running.stop()


@pytest.fixture
def app_config(request):
    # Modules recording with egress use the recording stack, the others the plain one.
    name = "recording_stack" if "recording_stack" in request.fixturenames else "stack"
    return request.getfixturevalue(name).app_config()


@pytest.fixture(scope="module")
def recording_stack(database_urls):
    from tests.e2e.livekit.recording_stack import RecordingStack

    running = RecordingStack(database_urls("postgresql"))
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


def wait_until(check, timeout: float = 10.0, interval: float = 0.1):
    """Poll `check()` until it returns something truthy; return it, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        time.sleep(interval)


@pytest.fixture
def job_worker(workers, stack):
    """The real job worker (`flask --app app worker`) against the stack's database and LiveKit."""
    config = stack.app_config()
    return workers.start(
        WORKER_POLL_SECONDS="0.2",
        **{k: v for k, v in config.items() if k.startswith("LIVEKIT_") or k == "IDENTITY_HASH_KEY"},
    )

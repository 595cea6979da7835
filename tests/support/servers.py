"""Real servers for end-to-end tests: LiveKit and the Switchboard app under gunicorn + gevent.

with LiveKitServer(webhook_urls=["http://127.0.0.1:PORT/livekit/webhook"]) as lk:
    lk.ws_url, lk.http_url, lk.api_key, lk.api_secret
with AppServer(env={"DATABASE_URL": url, "LIVEKIT_URL": lk.ws_url, ...}) as srv:
    srv.url  # http://127.0.0.1:PORT
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support.components import require_component

ROOT = Path(__file__).resolve().parents[2]
LIVEKIT_BIN = ROOT / ".bin" / "livekit-server"
TEST_LIVEKIT_KEY = "testkey"
TEST_LIVEKIT_SECRET = "switchboard-test-secret-0123456789abcdef"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class _Process:
    proc: subprocess.Popen | None = None
    log_path: str = ""

    def _spawn(self, args, env=None, cwd=ROOT):
        fd, self.log_path = tempfile.mkstemp(prefix=type(self).__name__ + "-", suffix=".log")
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=fd, stderr=subprocess.STDOUT, start_new_session=True
        )
        os.close(fd)

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace") if self.log_path else ""

    def stop(self, sig=signal.SIGTERM, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class LiveKitServer(_Process):
    """livekit-server on free loopback ports (HTTP/WebSocket and one UDP port for media)."""

    def __init__(
        self,
        webhook_urls: list[str] | None = None,
        *,
        port: int | None = None,
        redis_address: str | None = None,
        region: str | None = None,
        log_level: str = "warn",
    ):
        if not LIVEKIT_BIN.exists():
            require_component("LiveKit", f"{LIVEKIT_BIN} is missing (run `make test` to build it)")
        self.port = port or free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.webhook_urls = webhook_urls or []
        # With a Redis address the node joins the cluster of every node sharing that Redis
        # (multi-node: rooms are placed on one node, signalling is relayed to it); Egress
        # reaches LiveKit only that way too.
        self.redis_address = redis_address
        self.region = region
        self.api_key = TEST_LIVEKIT_KEY
        self.api_secret = TEST_LIVEKIT_SECRET
        self.http_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.config_dir = tempfile.mkdtemp(prefix="livekit-")
        self.log_level = log_level

    def _config(self) -> str:
        lines = [
            f"port: {self.port}",
            "bind_addresses: [127.0.0.1]",
            f"keys: {{{self.api_key}: {self.api_secret}}}",
            "rtc:",
            f"  udp_port: {self.udp_port}",
            "  tcp_port: 0",
            "  use_external_ip: false",
            "  node_ip: 127.0.0.1",
            "  enable_loopback_candidate: true",
            "room: {empty_timeout: 30, departure_timeout: 5}",
            f"logging: {{level: {self.log_level}}}",
        ]
        if self.redis_address:
            lines.append(f"redis: {{address: '{self.redis_address}'}}")
        if self.region:
            lines.append(f"region: {self.region}")
        if self.webhook_urls:
            urls = ", ".join(self.webhook_urls)
            lines.append(f"webhook: {{api_key: {self.api_key}, urls: [{urls}]}}")
        return "\n".join(lines) + "\n"

    def start(self) -> "LiveKitServer":
        config = Path(self.config_dir) / "livekit.yaml"
        config.write_text(self._config())
        self._spawn([str(LIVEKIT_BIN), "--config", str(config)])
        wait_for_http(self.http_url, proc=self.proc)
        return self

    def stop(self, sig=signal.SIGTERM, timeout: float = 10.0) -> None:
        super().stop(sig, timeout)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted but nothing answers."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    def cleanup(self) -> None:
        shutil.rmtree(self.config_dir, ignore_errors=True)


class RedisServer(_Process):
    """A private redis-server (Debian's package) on a free loopback port, nothing persisted."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(self.binary):
            require_component("Redis", "redis-server is missing (run `make services`)")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"redis://{self.address}/0"

    def start(self) -> "RedisServer":
        args = [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self._spawn(args)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within 10s")


class AppServer(_Process):
    """Switchboard under gunicorn with the gevent worker, as `make run` serves it."""

    def __init__(self, env: dict[str, str], *, port: int | None = None, workers: int = 1):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PUBLIC_URL": self.url, "WEB_CONCURRENCY": str(workers), **env}

    def start(self) -> "AppServer":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self._spawn(
            [gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}", "app:app"], env=self.env
        )
        wait_for_http(self.url + "/api/v1/openapi.json", proc=self.proc)
        return self

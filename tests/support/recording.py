"""Real servers for recording tests: Redis, moto's S3/KMS server and LiveKit Egress.

with RedisServer() as redis, MotoServer() as moto:
    key_id = moto.make_bucket("recordings")           # default encryption aws:kms, key_id
    LiveKitServer(webhook_urls=[...], redis_address=redis.address)
    EgressServer(livekit, redis_address=redis.address, template_url=".../recording/template")
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import psutil
import requests

from tests.support.components import require_component
from tests.support.servers import ROOT, _Process, free_port, wait_for_http

EGRESS_BIN = ROOT / ".bin" / "egress"
AWS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001  (not up yet)
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout}s")


class RedisServer(_Process):
    """A private redis-server on a free port (LiveKit and Egress meet there; pub/sub is global
    to a Redis server, so stacks must not share one)."""

    def __init__(self):
        if shutil.which("redis-server") is None:
            require_component("Redis", "redis-server is not installed (run `make services`)")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"

    def start(self) -> "RedisServer":
        self._spawn(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )
        wait_until(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ),
            10,
            "redis",
        )
        return self


class MotoServer(_Process):
    """moto's server: S3 and KMS on one free loopback port."""

    def __init__(self):
        try:
            import moto.server  # noqa: F401
        except ImportError:
            require_component("moto", "moto[server] is not installed (pip install -r requirements.txt)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        self._spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)])
        wait_for_http(self.url + "/moto-api/", timeout=30, proc=self.proc)
        return self

    def s3(self):
        return boto3.client("s3", endpoint_url=self.url, **AWS)

    def kms(self):
        return boto3.client("kms", endpoint_url=self.url, **AWS)

    def create_key(self) -> str:
        return self.kms().create_key(Description="recordings")["KeyMetadata"]["KeyId"]

    def make_bucket(self, name: str, *, kms: bool = True) -> str | None:
        """Create `name`; with `kms`, default encryption aws:kms under a new key (returned)."""
        s3 = self.s3()
        s3.create_bucket(Bucket=name)
        if not kms:
            return None
        key_id = self.create_key()
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_id,
                        }
                    }
                ]
            },
        )
        return key_id

    def settings(self, bucket: str, key_id: str, **extra) -> dict:
        """A `PUT /recording_settings` body for `bucket` on this server."""
        return {
            "s3": {
                "bucket": bucket,
                "region": AWS["region_name"],
                "endpoint": self.url,
                "force_path_style": True,
                "access_key_id": AWS["aws_access_key_id"],
                "secret_access_key": AWS["aws_secret_access_key"],
                "kms_key_id": key_id,
                **extra,
            }
        }


def _pulseaudio_running() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True).returncode == 0


class PulseAudio(_Process):
    """Egress records Chrome's audio from a pulse sink: a daemon must run (one per machine user)."""

    def start(self) -> "PulseAudio":
        if shutil.which("pulseaudio") is None:
            require_component("pulseaudio", "pulseaudio is not installed (run `make`)")
        if _pulseaudio_running():
            return self  # someone's daemon is up; share it
        self._spawn(["pulseaudio", "--daemonize=no", "--exit-idle-time=-1"])
        wait_until(_pulseaudio_running, 15, "pulseaudio")
        return self


class EgressServer(_Process):
    """LiveKit Egress on free ports, sharing LiveKit's Redis, with `egress` on PATH (its
    handler re-executes itself by that name) and room composite admitted on a small machine."""

    def __init__(self, livekit, *, redis_address: str, template_url: str):
        if not EGRESS_BIN.exists():
            require_component("LiveKit Egress", f"{EGRESS_BIN} is missing (run `make` to build it)")
        for tool in ("chromium", "Xvfb", "gst-inspect-1.0"):
            if shutil.which(tool) is None:
                require_component("LiveKit Egress", f"{tool} is not installed (run `make`)")
        self.livekit = livekit
        self.redis_address = redis_address
        self.template_url = template_url
        self.health_port = free_port()
        self.template_port = free_port()
        self.config_dir = tempfile.mkdtemp(prefix="egress-")
        self.pulse = PulseAudio()
        self._tree: list[psutil.Process] = []

    def _config(self) -> str:
        return "\n".join(
            [
                f"api_key: {self.livekit.api_key}",
                f"api_secret: {self.livekit.api_secret}",
                f"ws_url: {self.livekit.ws_url}",
                "insecure: true",
                f"redis: {{address: '{self.redis_address}'}}",
                f"template_base: '{self.template_url}'",
                f"health_port: {self.health_port}",
                f"template_port: {self.template_port}",
                "cpu_cost: {room_composite_cpu_cost: 1, audio_room_composite_cpu_cost: 0.5}",
                "logging: {level: info}",
            ]
        )

    def start(self) -> "EgressServer":
        self.pulse.start()
        config = Path(self.config_dir) / "egress.yaml"
        config.write_text(self._config() + "\n")
        env = {**os.environ, "PATH": f"{EGRESS_BIN.parent}{os.pathsep}{os.environ['PATH']}"}
        self._spawn(["egress", "--config", str(config)], env=env)
        wait_until(
            lambda: requests.get(f"http://127.0.0.1:{self.health_port}", timeout=1).ok, 30, "egress health"
        )
        return self

    def handler_pids(self) -> list[int]:
        """The recording handlers (`egress run-handler`) running under this egress now."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [p.pid for p in children if "run-handler" in " ".join(p.cmdline()[:3])]

    def stop(self, sig=signal.SIGTERM, timeout: float = 20.0) -> None:
        # Handlers and the Chrome/Xvfb they start may outlive their parent: end exactly them.
        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True) if self.proc else []
        except psutil.NoSuchProcess:
            tree = []
        super().stop(sig, timeout)
        for child in tree:
            try:
                child.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(tree, timeout=5)
        for child in alive:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass

    def cleanup(self) -> None:
        self.pulse.stop()
        shutil.rmtree(self.config_dir, ignore_errors=True)
        # Egress leaves per-node and per-handler folders behind (Chromium profiles): ours only.
        for name in set(re.findall(r"\b(?:NE|EGH|EG)_[A-Za-z0-9]+\b", self.log())):
            for folder in (Path(tempfile.gettempdir()) / name, Path("/home/egress/tmp") / name):
                shutil.rmtree(folder, ignore_errors=True)

"""The recording stack: Redis shared by LiveKit and Egress, moto's S3/KMS, Switchboard under
gunicorn (it serves the page egress records), LiveKit Egress and the job worker."""

import os
import signal
import subprocess
import tempfile

from switchboard import ROOT
from tests.e2e.livekit.conftest import IDENTITY_HASH_KEY
from tests.support.recording import EgressServer, MotoServer, RedisServer
from tests.support.servers import AppServer, LiveKitServer, free_port

SECRETS_KEY = "e2e-recording-secrets-key"


class RecordingStack:
    def __init__(self, database_url: str, env: dict | None = None):
        self.database_url = database_url
        self.extra_env = env or {}
        self.app_port = free_port()
        self.redis = RedisServer()
        self.moto = MotoServer()
        self.livekit = LiveKitServer(
            webhook_urls=[f"http://127.0.0.1:{self.app_port}/livekit/webhook"],
            redis_address=self.redis.address,
        )
        self.template_url = f"http://127.0.0.1:{self.app_port}/recording/template"
        self.egress: EgressServer | None = None
        self.web: AppServer | None = None
        self.worker: subprocess.Popen | None = None
        self.worker_log = tempfile.mktemp(prefix="recording-worker-", suffix=".log")

    def env(self) -> dict:
        return {
            "DATABASE_URL": self.database_url,
            "LIVEKIT_URL": self.livekit.ws_url,
            "LIVEKIT_API_KEY": self.livekit.api_key,
            "LIVEKIT_API_SECRET": self.livekit.api_secret,
            "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
            "RECORDING_SECRETS_KEY": SECRETS_KEY,
            "RECORDING_TEMPLATE_URL": self.template_url,
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def start(self) -> "RecordingStack":
        self.redis.start()
        self.moto.start()
        self.livekit.start()
        self.web = AppServer(env=self.env(), port=self.app_port).start()
        # Assigned before it starts, so a start that times out is still stopped by `stop()`.
        self.egress = EgressServer(
            self.livekit, redis_address=self.redis.address, template_url=self.template_url
        )
        self.egress.start()
        return self

    def start_worker(self) -> None:
        """The job worker, started per test (`stop_worker` after it): a worker left running
        would hold locks while the next test empties the tables."""
        env = {
            **os.environ,
            **self.env(),
            "SECRET_KEY": "e2e-test-secret",
            "WORKER_POLL_SECONDS": "0.1",
            "WEBHOOK_BACKOFF_BASE_SECONDS": "0.3",
            "WEBHOOK_BACKOFF_MAX_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        with open(self.worker_log, "a") as log:
            self.worker = subprocess.Popen(
                [os.path.join(ROOT, ".venv/bin/flask"), "--app", "app", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def app_config(self) -> dict:
        return {
            "LIVEKIT_URL": self.livekit.ws_url,
            "LIVEKIT_API_URL": self.livekit.http_url,
            "LIVEKIT_API_KEY": self.livekit.api_key,
            "LIVEKIT_API_SECRET": self.livekit.api_secret,
            "IDENTITY_HASH_KEY": IDENTITY_HASH_KEY,
            "RECORDING_SECRETS_KEY": SECRETS_KEY,
            "RECORDING_TEMPLATE_URL": self.template_url,
            "LIVEKIT_TIMEOUT": 5.0,
        }

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(15)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait(5)

    def stop(self) -> None:
        self.stop_worker()
        if self.egress:
            self.egress.stop()
            self.egress.cleanup()
        if self.web:
            self.web.stop()
        self.livekit.stop()
        self.livekit.cleanup()
        self.moto.stop()
        self.redis.stop()

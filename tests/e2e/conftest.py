"""End-to-end fixtures: the real worker process (`flask --app app worker`)."""

import os
import signal
import subprocess

import pytest

from switchboard import ROOT

# Short times so retries and lease expiry happen within a test.
FAST = {
    "WORKER_POLL_SECONDS": "0.1",
    "WORKER_LEASE_SECONDS": "30",
    "WEBHOOK_BACKOFF_BASE_SECONDS": "0.3",
    "WEBHOOK_BACKOFF_MAX_SECONDS": "1",
    "LOG_LEVEL": "INFO",
}


class Workers:
    """Real `flask --app app worker` processes on one database, each logging to a file."""

    def __init__(self, database_url: str, log_dir, *, defaults: dict = FAST):
        self.database_url = database_url
        self.log_dir = log_dir
        self.defaults = defaults
        self.processes: list[subprocess.Popen] = []

    def start(self, **settings) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(self.defaults)
        env.update({k: str(v) for k, v in settings.items()})
        env["DATABASE_URL"] = self.database_url
        env["SECRET_KEY"] = "e2e-test-secret"
        log = open(self.log_dir / f"worker-{len(self.processes)}.log", "w")
        process = subprocess.Popen(
            [os.path.join(ROOT, ".venv/bin/flask"), "--app", "app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        log.close()
        self.processes.append(process)
        return process

    def log(self, process) -> str:
        with open(process.log_path) as fh:
            return fh.read()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def workers(app, tmp_path):
    pool = Workers(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    yield pool
    pool.stop_all()

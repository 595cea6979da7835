"""A private PostgreSQL cluster (Debian's binaries) in a temp dir, on a free loopback port.

Fault tests stop and restart it; the shared server on 5432 is never touched.

with PostgresServer() as pg:
    pg.url           # postgresql://postgres@127.0.0.1:PORT/switchboard
    pg.restart()     # pg_ctl restart -m fast
"""

import glob
import os
import shutil
import subprocess
import tempfile

from tests.support.components import require_component
from tests.support.servers import free_port


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


class PostgresServer:
    def __init__(self, *, data_parent: str | None = None):
        self.bindir = _bindir()
        if self.bindir is None:
            require_component("PostgreSQL", "Debian's postgresql package is missing (run `make services`)")
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="faults-pg-")
        # The data directory may live elsewhere (a small tmpfs for the disk-full test).
        self.data = os.path.join(data_parent or self.root, "data")
        self.sockets = os.path.join(self.root, "run")
        self.log_path = os.path.join(self.root, "postgres.log")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/switchboard"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)

    def start(self) -> "PostgresServer":
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            os.makedirs(self.sockets, exist_ok=True)
            os.makedirs(os.path.dirname(self.data), exist_ok=True)
            if os.geteuid() == 0:
                for path in (self.root, self.sockets, os.path.dirname(self.data)):
                    shutil.chown(path, "postgres", "postgres")
            self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.pg_ctl("start")
        if not self._has_database():
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "switchboard")
        return self

    def _has_database(self) -> bool:
        out = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc",
            "select 1 from pg_database where datname = 'switchboard'",
        )  # fmt: skip
        return out.stdout.strip() == "1"

    def database(self, name: str) -> str:
        """A new empty database `name` on this cluster; its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        args = ["pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "30"]
        if action in ("start", "restart"):
            args += ["-o", options]
        if action in ("stop", "restart"):
            args += ["-m", "fast"]
        result = self._run(*args, action, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {action} failed: {result.stdout}{result.stderr}{self.log()}")

    def restart(self) -> None:
        self.pg_ctl("restart")

    def stop(self) -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.pg_ctl("stop")

    def log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read()[-4000:]
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

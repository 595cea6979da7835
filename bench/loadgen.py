"""Run wrk (Debian's package, a compiled load generator) with bench/wrk/request.lua."""

import json
import os
import shutil
import subprocess
from pathlib import Path

LUA = Path(__file__).with_name("wrk") / "request.lua"


def wrk(
    url: str,
    *,
    method: str = "GET",
    body: str | None = None,
    auth: str | None = None,
    connections: int = 16,
    threads: int = 2,
    seconds: int = 8,
) -> dict:
    """Requests/s and latency percentiles (ms) of `connections` clients for `seconds`."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is missing: `scripts/apt-install.sh wrk` (make bench does it)")
    env = {**os.environ, "WRK_METHOD": method}
    if body is not None:
        env["WRK_BODY"] = body
    if auth is not None:
        env["WRK_AUTH"] = auth
    args = [binary, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    out = subprocess.run(
        [*args, "-s", str(LUA), url],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("JSON "))
    raw = json.loads(line[5:])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(
        raw[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return {
        "requests": raw["requests"],
        "errors": errors,
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "connections": connections,
    }

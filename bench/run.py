"""`make bench`: every scenario against Switchboard and its LiveKit peer in one run.

Starts what it needs itself (PostgreSQL and Redis through scripts/ensure-*.sh are `make
bench`'s prerequisites; livekit-server and Switchboard under gunicorn are started here on
free loopback ports), runs the scenarios one after another, and writes
bench/results/RESULTS.md, bench/results/results.json and PNG plots. Bounded: each scenario
has fixed phase lengths and caps (a few minutes in all).

    .venv/bin/python -m bench.run            # everything
    .venv/bin/python -m bench.run --only chat control
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from bench import chat_fanout, chat_store, control_plane, idle_sockets, join_time, recording, report
from bench.stack import ROOT, migrated_database, project_key
from tests.support.servers import AppServer, LiveKitServer

RESULTS = ROOT / "bench" / "results"
RATES = [10, 50, 100, 200, 400, 800]


def sh(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine(database_url: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        postgres = conn.execute(sa.text("show server_version")).scalar()
    engine.dispose()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line), "?")
    mem = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "livekit_server": sh(str(ROOT / ".bin" / "livekit-server"), "--version"),
        "postgresql": postgres,
        "wrk": sh("wrk", "-v").splitlines()[0] if sh("wrk", "-v") else "?",
        "switchboard_commit": sh("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
    }


def chat_scenario(url: str, key: str, node: LiveKitServer, quick: bool) -> dict:
    phase = 2.0 if quick else 3.0
    args = SimpleNamespace(members=100, senders=5, rates=RATES, phase_seconds=phase, drain_seconds=8.0)
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "CHAT_RATE_PER_SECOND": "100000",
        "CHAT_RATE_BURST": "100000",
        "API_RATE_LIMIT": "100000 per second",
        "LOG_LEVEL": "WARNING",
        "WORKER_CONNECTIONS": "2000",
    }
    with AppServer(env=env, workers=1) as server:
        switchboard = asyncio.run(asyncio.wait_for(chat_fanout.run(args, server.url, key), timeout=300))
    cmd = [sys.executable, "-m", "bench.livekit_data", "--url", node.ws_url, "--key", node.api_key]
    cmd += ["--secret", node.api_secret, "--members", "100", "--senders", "5", "--phase-seconds", str(phase)]
    cmd += ["--rates", *[str(r) for r in RATES]]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=400, cwd=ROOT, env={**os.environ, "RUST_LOG": "off"}
    ).stdout
    line = next((line for line in out.splitlines() if line.startswith("JSON ")), None)
    livekit = json.loads(line[5:]) if line else {"error": out[-2000:]}
    store = chat_store.run(url, senders=10, per_sender=100 if quick else 200)
    return {"switchboard": switchboard, "livekit": livekit, "store": store}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", nargs="+", choices=["chat", "control", "idle", "join", "recording"], default=None
    )
    parser.add_argument("--quick", action="store_true", help="shorter phases (a smoke run)")
    parser.add_argument("--sockets", type=int, default=10000)
    args = parser.parse_args()
    wanted = set(args.only or ["chat", "control", "idle", "join", "recording"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict = {"command": "make bench  (.venv/bin/python -m bench.run " + " ".join(sys.argv[1:]) + ")"}
    with migrated_database() as url, LiveKitServer() as node:
        results["machine"] = machine(url)
        key = project_key(url)
        if "chat" in wanted:
            print("==> chat fan-out, 100 members: Switchboard socket vs LiveKit data packets", flush=True)
            results["chat"] = chat_scenario(url, key, node, args.quick)
        if "control" in wanted:
            print("==> control plane: wrk against Switchboard (2 workers) and livekit-server", flush=True)
            results["control"] = control_plane.run(
                url, key, node, connections=16, seconds=4 if args.quick else 8
            )
        if "idle" in wanted:
            print(f"==> {args.sockets} idle chat sockets on one worker", flush=True)
            results["idle"] = idle_sockets.run(
                url, key, args.sockets, connect_seconds=60 if args.quick else 120
            )
        if "join" in wanted:
            print("==> join time: meeting page vs bare livekit-client page, headless Chromium", flush=True)
            results["join"] = join_time.run(url, key, node, attempts=3 if args.quick else 7)
        if "recording" in wanted:
            print("==> recording: 1, 2 and 3 concurrent composite recordings (LiveKit Egress)", flush=True)
            results["recording"] = recording.run(url, levels=(1, 2, 3), hold_seconds=10 if args.quick else 20)
    results["wall_seconds"] = round(time.monotonic() - started)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, RESULTS)
    print(f"==> wrote {RESULTS / 'RESULTS.md'} in {results['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

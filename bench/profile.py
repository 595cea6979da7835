"""Profile one control-plane case: start Switchboard (2 gunicorn gevent workers, PostgreSQL),
drive it with wrk, and optionally record one worker with py-spy while wrk runs.

    .venv/bin/python -m bench.profile tokens                 # requests/s and p99 only
    .venv/bin/python -m bench.profile tokens --pyspy out.txt # plus a py-spy raw profile
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import psutil
import requests

from bench.loadgen import wrk
from bench.stack import ROOT, migrated_database, project_key
from tests.support.servers import AppServer, LiveKitServer

CASES = {
    "rooms": ("/rooms", "POST", '{"room": {"name": "r-{n}", "capabilities": ["video", "chat"]}}'),
    "tokens": ("/rooms/{room}/tokens", "POST", '{"identity": "p-{n}"}'),
    "participants": ("/rooms/{room}/participants", "GET", None),
}


def _cpu(server_pid: int) -> dict:
    """CPU seconds so far of the gunicorn workers, PostgreSQL's processes and everything else."""
    workers = {p.pid for p in psutil.Process(server_pid).children()}
    totals = {"workers": 0.0, "postgres": 0.0, "other": 0.0}
    for proc in psutil.process_iter(["name", "cpu_times"]):
        times = proc.info["cpu_times"]
        if times is None:
            continue
        used = times.user + times.system
        if proc.pid in workers:
            totals["workers"] += used
        elif proc.info["name"] and proc.info["name"].startswith("postgres"):
            totals["postgres"] += used
        else:
            totals["other"] += used
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pyspy", help="write a py-spy raw profile of one worker here")
    args = parser.parse_args()
    with migrated_database() as url, LiveKitServer() as node:
        key = project_key(url)
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": "",
            "LIVEKIT_URL": node.ws_url,
            "LIVEKIT_API_KEY": node.api_key,
            "LIVEKIT_API_SECRET": node.api_secret,
            "API_RATE_LIMIT": "1000000 per second",
            "LOG_LEVEL": "WARNING",
        }
        auth = f"Bearer {key}"
        with AppServer(env=env, workers=args.workers) as server:
            room = requests.post(
                server.url + "/api/v1/rooms",
                json={"room": {"name": "profile", "capabilities": ["video", "chat"]}},
                headers={"Authorization": auth},
                timeout=10,
            ).json()["data"]
            path, method, body = CASES[args.case]
            target = server.url + "/api/v1" + path.format(room=room["id"])
            wrk(target, method=method, body=body, auth=auth, connections=args.connections, seconds=2)
            spy = None
            if args.pyspy:
                worker = psutil.Process(server.proc.pid).children()[0].pid
                spy = threading.Thread(
                    target=subprocess.run,
                    args=(
                        [
                            str(ROOT / ".venv/bin/py-spy"),
                            "record",
                            "-p",
                            str(worker),
                            "-d",
                            str(args.seconds),
                            "-f",
                            "raw",
                            "-o",
                            args.pyspy,
                            "--nonblocking",
                            "-r",
                            "200",
                        ],
                    ),
                    kwargs={"capture_output": True},
                )
                spy.start()
            before = _cpu(server.proc.pid)
            result = wrk(
                target,
                method=method,
                body=body,
                auth=auth,
                connections=args.connections,
                seconds=args.seconds,
            )
            after = _cpu(server.proc.pid)
            result["cpu_seconds"] = {k: round(after[k] - before[k], 2) for k in after}
            if spy:
                spy.join()
    result["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result["case"] = args.case
    print("JSON " + json.dumps(result))
    return 0


if __name__ == "__main__":
    time.sleep(0)
    sys.exit(main())

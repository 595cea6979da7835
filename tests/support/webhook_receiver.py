"""A real webhook receiver for the tests: a stdlib HTTP server run as its own process.

Run as a script (`python tests/support/webhook_receiver.py LOG [PORT]`) it records every request it
receives, before answering, as one JSON line in LOG, then answers by path:
  /ok             200
  /gone           410
  /fail           500
  /retry-after    503 with `Retry-After: 120`
  /slow?s=N       sleeps N seconds, then 200
  /slow-first?s=N sleeps N seconds the first time it sees an event id, then 200
It prints `PORT <n>` once listening. `Receiver` below starts and reads it from a test.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))


def _serve(log_path: str, port: int) -> None:
    lock = threading.Lock()
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            args = parse_qs(parts.query)
            event_id = self.headers.get("webhook-id", "")
            with lock:
                first = event_id not in seen
                seen.add(event_id)
                with open(log_path, "a") as fh:
                    record = {
                        "path": parts.path,
                        "query": parts.query,
                        "headers": dict(self.headers.items()),
                        "body": base64.b64encode(body).decode(),
                        "at": time.time(),
                    }
                    fh.write(json.dumps(record) + "\n")
            status, headers = 200, {}
            if parts.path == "/gone":
                status = 410
            elif parts.path == "/fail":
                status = 500
            elif parts.path == "/retry-after":
                status, headers = 503, {"Retry-After": "120"}
            elif parts.path == "/slow" or (parts.path == "/slow-first" and first):
                time.sleep(float(args.get("s", ["1"])[0]))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


class Receiver:
    """Start/stop the receiver process on a fixed port and read what it received."""

    def __init__(self, log_path: str):
        self.log_path = log_path
        self.port = 0
        self.process = None

    def start(self) -> "Receiver":
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "webhook_receiver.py"), self.log_path, str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process.stdout.close()
            self.process = None

    def url(self, path: str = "/ok", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests(self) -> list[dict]:
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        for record in records:
            record["raw"] = base64.b64decode(record["body"])
            record["headers"] = {k.lower(): v for k, v in record["headers"].items()}
        return records

    def event_ids(self) -> list[str]:
        return [r["headers"].get("webhook-id") for r in self.requests()]


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)

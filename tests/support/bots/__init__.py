"""Drive headless LiveKit participants (tests/support/bots/participant.py) from a test."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

SCRIPT = Path(__file__).with_name("participant.py")


class BotProcess:
    """One participant in its own process (the rtc SDK must not share a gevent-patched one)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "RUST_LOG": "off"},
            start_new_session=True,
        )
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("ready", timeout=20)

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue

    def send(self, cmd: str, **args) -> None:
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()

    def wait_for(self, *names: str, timeout: float = 15) -> dict:
        """The next event named one of `names` (an `error` answers too); raises on timeout."""
        for event in self.seen:
            if event["event"] in names:
                self.seen.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            if event["event"] in names or event["event"] == "error":
                return event
            self.seen.append(event)
        raise TimeoutError(f"no {names} from the bot within {timeout}s (seen: {self.seen})")

    def connect(self, url: str, token: str, *, watch: bool = False) -> dict:
        self.send("connect", url=url, token=token, watch=watch)
        return self.wait_for("connected")

    def remote_participants(self) -> list[str]:
        self.send("remote_participants")
        return self.wait_for("remote_participants")["identities"]

    def publish_video(self, timeout: float = 8) -> dict:
        self.send("publish_video", timeout=timeout)
        return self.wait_for("published", timeout=timeout + 5)

    def watch_video(self, identity: str, timeout: float = 15) -> dict:
        """Subscribe to `identity`'s camera; the `video` event of its first decoded frame."""
        self.send("watch_video", identity=identity, timeout=timeout)
        return self.wait_for("video", timeout=timeout + 5)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

"""Scenario 5, recording: CPU and memory per concurrent composite recording, and how many fit.

The recording stack of the end-to-end tests (`tests/e2e/livekit/recording_stack.py`): a
private Redis shared by livekit-server and LiveKit Egress, moto's S3/KMS server, Switchboard
under gunicorn (it serves the page Egress's Chromium records) and its job worker. For each
level (1, 2, 3 concurrent recordings) that many rooms each get a headless publisher bot
(64×48 camera, 10 fps) and a `grid` mp4 recording through `POST /rooms/:id/recordings`; once
all are `recording`, the Egress handler processes (the `egress run-handler` per recording,
with its Chromium, Xvfb and GStreamer) are sampled with psutil for `hold_seconds`: CPU cores
in use and memory (PSS, summed over the process trees). Then every recording is stopped
and must complete (uploaded to moto's S3 under the bucket's KMS key).
"""

import time

import psutil
import requests

from bench.stack import project_key
from tests.e2e.livekit.recording_stack import RecordingStack
from tests.support.bots import BotProcess

BUCKET = "bench-recordings"


def _tree(pids: list[int]) -> list[psutil.Process]:
    procs = []
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return procs


def _sample(procs: list[psutil.Process]) -> dict[int, tuple[float, int]]:
    """Per process: CPU seconds so far and memory now (PSS: pages shared between Chromium's
    processes are counted once, split between them)."""
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = (times.user + times.system, proc.memory_full_info().pss)
        except psutil.NoSuchProcess:
            continue
    return out


class Client:
    def __init__(self, base: str, key: str):
        self.base = base + "/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return self.http.request(method, self.base + path, timeout=30, **kw)

    def data(self, method: str, path: str, expect: int, **kw) -> dict:
        response = self.call(method, path, **kw)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()["data"]


def _wait(check, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return None


def _level(stack: RecordingStack, api: Client, count: int, hold_seconds: float) -> dict:
    # The previous level's handlers finish their uploads and exit first.
    _wait(lambda: not stack.egress.handler_pids(), 30)
    bots = [BotProcess() for _ in range(count)]
    recordings: list[dict] = []
    try:
        rooms = []
        for n, bot in enumerate(bots):
            room = api.data(
                "POST",
                "/rooms",
                201,
                json={"room": {"name": f"rec-{count}-{n}", "capabilities": ["video", "chat", "recording"]}},
            )
            token = api.data(
                "POST",
                f"/rooms/{room['id']}/tokens",
                201,
                json={"identity": f"clinician-{n}", "role": "host"},
            )
            if bot.connect(token["url"], token["token"])["event"] != "connected":
                raise RuntimeError("the publisher bot could not connect")
            if bot.publish_video()["event"] != "published":
                raise RuntimeError("the publisher bot could not publish")
            rooms.append(room)
        for room in rooms:
            _wait(lambda r=room: api.data("GET", f"/rooms/{r['id']}", 200)["status"] == "active", 30)
        refused, codes = 0, set()
        for room in rooms:
            response = api.call(
                "POST", f"/rooms/{room['id']}/recordings", json={"layout": "grid", "format": "mp4"}
            )
            if response.status_code == 201:
                recordings.append(response.json()["data"])
            else:
                refused += 1
                codes.add(f"{response.status_code} {response.json()['error']['code']}")
        t0 = time.monotonic()

        def statuses():
            return [api.data("GET", f"/recordings/{r['id']}", 200)["status"] for r in recordings]

        _wait(lambda: all(s in ("recording", "failed") for s in statuses()), 90)
        started_in = time.monotonic() - t0
        recording = sum(1 for s in statuses() if s == "recording")
        time.sleep(2)  # past Chromium's page load
        procs = _tree(stack.egress.handler_pids())
        first = _sample(procs)
        w0 = time.monotonic()
        rss_peak = 0
        last = first
        while time.monotonic() - w0 < hold_seconds:
            time.sleep(1)
            now = _sample(procs)
            if now:
                last = now
            rss_peak = max(rss_peak, sum(pss for _, pss in now.values()))
        # CPU of the processes alive at both ends (a process that ended takes its count along).
        cores = sum(last[pid][0] - first[pid][0] for pid in first if pid in last) / (time.monotonic() - w0)
        held = sum(1 for s in statuses() if s == "recording")
        for rec in recordings:
            api.call("POST", f"/recordings/{rec['id']}/stop")
        t1 = time.monotonic()
        _wait(lambda: all(s in ("completed", "failed") for s in statuses()), 90)
        final = statuses()
        errors = sorted(
            {
                (api.data("GET", f"/recordings/{r['id']}", 200).get("error") or {}).get("code") or "?"
                for r, status in zip(recordings, final, strict=True)
                if status == "failed"
            }
        )
        return {
            "concurrent": count,
            "started": len(recordings),
            "refused": refused,
            "recording": recording,
            "still_recording_after_hold": held,
            "completed": sum(1 for s in final if s == "completed"),
            "start_seconds": round(started_in, 1),
            "stop_seconds": round(time.monotonic() - t1, 1),
            "handler_processes": len(procs),
            "cpu_cores": round(cores, 2),
            "cpu_cores_per_recording": round(cores / max(1, recording), 2),
            "rss_mb": round(rss_peak / 1e6, 1),
            "rss_mb_per_recording": round(rss_peak / 1e6 / max(1, recording), 1),
            "failed_codes": errors,
            "refused_codes": sorted(codes),
        }
    finally:
        for bot in bots:
            bot.close()


def run(database_url: str, *, levels=(1, 2, 3), hold_seconds: float = 20) -> dict:
    stack = RecordingStack(database_url)
    try:
        stack.start()
        key = project_key(database_url)
        api = Client(stack.web.url, key)
        kms_key = stack.moto.make_bucket(BUCKET)
        api.data("PUT", "/recording_settings", 200, json=stack.moto.settings(BUCKET, kms_key, prefix="bench"))
        stack.start_worker()
        rows = [_level(stack, api, count, hold_seconds) for count in levels]
    finally:
        stack.stop()
    per = [r["cpu_cores_per_recording"] for r in rows if r["still_recording_after_hold"]]
    cores = psutil.cpu_count()
    return {
        "rows": rows,
        "hold_seconds": hold_seconds,
        "cores": cores,
        "fit_by_cpu": int(cores / max(per)) if per else 0,
        "most_recording_at_once": max((r["still_recording_after_hold"] for r in rows), default=0),
    }

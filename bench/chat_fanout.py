"""Chat fan-out benchmark: latency (p50/p99) and delivered messages per second in one room.

Starts Switchboard under gunicorn + gevent on loopback (its own SQLite database in a temp
directory unless --database-url is given), connects --members real WebSocket clients
(aiohttp) to one room, then runs fixed-rate phases in which --senders of them send chat
messages. Latency is from just before a sender writes `chat.message` to when a member
reads the `message.created` (the same clock: every client lives in this process).
Everything is bounded: --phase-seconds per phase, --rates phases, and a hard deadline.

    .venv/bin/python bench/chat_fanout.py                      # 100 members, 1 worker, SQLite
    .venv/bin/python bench/chat_fanout.py --database-url postgresql://… --redis-url redis://… --workers 2
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.servers import AppServer  # noqa: E402


def prepare_database(url: str) -> str:
    """Migrate the database and return an API key for a fresh project."""
    from flask_migrate import upgrade

    from switchboard import create_app
    from switchboard.extensions import db
    from switchboard.services import projects

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        key = projects.create_key(projects.get_or_create_project("bench-" + uuid.uuid4().hex[:8]))[1]
        db.session.commit()
        db.engine.dispose()
    return key


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class Member:
    def __init__(self, ws, index: int):
        self.ws = ws
        self.index = index
        self.latencies: list[float] = []
        self.received = 0
        self.last_receive = 0.0
        self.seqs: list[int] = []

    async def read(self, sent_at: dict[str, float]) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            now = time.perf_counter()
            frame = json.loads(msg.data)
            if frame["event"] != "message.created":
                continue
            data = frame["data"]
            self.seqs.append(data["seq"])
            started = sent_at.get(data["body"])
            if started is not None:
                self.latencies.append(now - started)
                self.received += 1
                self.last_receive = now


async def run(args, base_url: str, key: str) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.post(
            f"{base_url}/api/v1/rooms",
            json={"room": {"name": "bench", "capabilities": ["chat"], "max_participants": args.members}},
            headers=headers,
        ) as response:
            room = (await response.json())["data"]

        async def member(index: int) -> Member:
            async with http.post(
                f"{base_url}/api/v1/rooms/{room['id']}/tokens",
                json={"identity": f"m{index}"},
                headers=headers,
            ) as response:
                token = (await response.json())["data"]["token"]
            ws = await http.ws_connect(
                base_url.replace("http://", "ws://") + "/api/v1/realtime?token=" + token, max_msg_size=0
            )
            return Member(ws, index)

        started = time.perf_counter()
        members: list[Member] = []
        for batch in range(0, args.members, 20):
            members += await asyncio.gather(*(member(i) for i in range(batch, min(args.members, batch + 20))))
        connect_seconds = time.perf_counter() - started
        sent_at: dict[str, float] = {}
        readers = [asyncio.create_task(m.read(sent_at)) for m in members]
        await asyncio.sleep(1.0)  # presence noise settles

        results = []
        senders = members[: args.senders]
        for rate in args.rates:
            for m in members:
                m.latencies, m.received = [], 0
            count = int(rate * args.phase_seconds)
            interval = 1.0 / rate
            phase_start = time.perf_counter()
            for i in range(count):
                target = phase_start + i * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = f"r{rate}-{i}"
                sender = senders[i % len(senders)]
                sent_at[body] = time.perf_counter()
                await sender.ws.send_str(json.dumps({"event": "chat.message", "data": {"body": body}}))
            send_end = time.perf_counter()
            expected = count * len(members)
            deadline = send_end + args.drain_seconds
            while sum(m.received for m in members) < expected and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            delivered = sum(m.received for m in members)
            last = max((m.last_receive for m in members), default=send_end)
            latencies = [x for m in members for x in m.latencies]
            results.append(
                {
                    "rate_sent_per_s": rate,
                    "messages": count,
                    "deliveries": delivered,
                    "expected": expected,
                    "delivered_per_s": delivered / max(1e-9, last - phase_start),
                    "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
                    "p99_ms": 1000 * percentile(latencies, 99) if latencies else None,
                    "max_ms": 1000 * max(latencies) if latencies else None,
                }
            )
            await asyncio.sleep(0.5)

        in_order = all(m.seqs == sorted(m.seqs) and len(set(m.seqs)) == len(m.seqs) for m in members)
        same = len({tuple(m.seqs) for m in members}) == 1
        for m in members:
            await m.ws.close()
        for task in readers:
            task.cancel()
        return {"connect_seconds": connect_seconds, "phases": results, "ordered": in_order, "identical": same}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--senders", type=int, default=5)
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[10, 50, 100, 200], help="messages/s per phase"
    )
    parser.add_argument("--phase-seconds", type=float, default=5.0)
    parser.add_argument("--drain-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    if not 1 <= args.members <= 1000 or not 1 <= args.senders <= args.members:
        parser.error("--members 1-1000 and --senders 1-members")
    if args.phase_seconds * max(args.rates) > 5000:
        parser.error("at most 5000 messages per phase")

    workdir = tempfile.mkdtemp(prefix="sb-bench-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    key = prepare_database(database_url)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url or "",
        "REALTIME_CHANNEL_PREFIX": "sbbench-" + uuid.uuid4().hex[:8],
        "CHAT_RATE_PER_SECOND": "100000",
        "CHAT_RATE_BURST": "100000",
        "API_RATE_LIMIT": "100000 per second",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench",
        "WORKER_CONNECTIONS": "2000",
    }
    with AppServer(env={**os.environ, **env}, workers=args.workers) as server:
        summary = asyncio.run(asyncio.wait_for(run(args, server.url, key), timeout=600))
    backend = database_url.split(":", 1)[0]
    print(
        f"{args.members} members, {args.senders} senders, {args.workers} worker(s), {backend}, "
        f"redis={'yes' if args.redis_url else 'no'}; connected in {summary['connect_seconds']:.1f}s"
    )
    print(
        f"{'sent/s':>7} {'msgs':>6} {'deliveries':>11} {'delivered/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for p in summary["phases"]:
        print(
            f"{p['rate_sent_per_s']:>7g} {p['messages']:>6} {p['deliveries']:>5}/{p['expected']:<5} "
            f"{p['delivered_per_s']:>12.0f} {p['p50_ms']:>8.1f} {p['p99_ms']:>8.1f} {p['max_ms']:>8.1f}"
        )
    print(
        f"every member in seq order without duplicates: {summary['ordered']}; identical sequences: {summary['identical']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

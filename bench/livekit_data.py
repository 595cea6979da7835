"""LiveKit's data path, the peer of chat fan-out: reliable data packets in one room.

Run as its own process (the rtc SDK is asyncio; nothing gevent-patched here):
    python -m bench.livekit_data --url ws://… --key K --secret S --members 100 --rates 10 50 …
It connects `--members` headless rtc participants (livekit's Python SDK) spread over
`--processes` processes, then for each rate has `--senders` of them send
`publish_data(reliable=True)` round-robin with bodies like the chat benchmark's (plus the send
time); latency is from just before the send to each member's `data_received` (CLOCK_MONOTONIC,
shared by the processes), deliveries/s is deliveries per second of the phase. Prints JSON.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time

from livekit import api, rtc

from bench.stack import percentile


def token(key: str, secret: str, room: str, identity: str) -> str:
    grants = api.VideoGrants(
        room_join=True, room=room, can_publish=True, can_publish_data=True, can_subscribe=True
    )
    return api.AccessToken(key, secret).with_identity(identity).with_grants(grants).to_jwt()


async def member_process(args) -> None:
    """One of several processes, each with a share of the members (so the receiving side is
    not one Python process decoding every packet). Driven over stdin/stdout by `run`:
    prints READY once connected; on `go` the process with the senders runs the phases and
    prints PHASES; on `stop` every process prints its RECEIVED latencies by rate."""
    room_name = args.room
    received: dict[str, list[list[float]]] = {}
    rooms = []

    def on_data(packet: rtc.DataPacket) -> None:
        now = time.perf_counter()
        body, _, sent = packet.data.decode().partition("|")
        rate = body.split("-", 1)[0]
        received.setdefault(rate, []).append([now - float(sent), now])

    indexes = range(args.first, args.first + args.count)
    for batch in range(0, len(indexes), 10):
        group = []
        for index in indexes[batch : batch + 10]:
            room = rtc.Room()
            room.on("data_received", on_data)
            group.append((index, room))
            rooms.append(room)
        await asyncio.gather(
            *(
                room.connect(
                    args.url,
                    token(args.key, args.secret, room_name, f"m{index}"),
                    rtc.RoomOptions(auto_subscribe=False),
                )
                for index, room in group
            )
        )
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()  # go
    if args.senders:
        senders = rooms[: args.senders]
        phases = []
        for rate in args.rates:
            count = int(rate * args.phase_seconds)
            phase_start = time.perf_counter()
            for i in range(count):
                delay = phase_start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                payload = f"r{rate:g}-{i}|{time.perf_counter()!r}".encode()
                await senders[i % len(senders)].local_participant.publish_data(payload, reliable=True)
            phases.append({"rate": rate, "messages": count, "start": phase_start})
            await asyncio.sleep(args.drain_seconds)
        print("PHASES " + json.dumps(phases), flush=True)
    await reader.readline()  # stop
    print("RECEIVED " + json.dumps(received), flush=True)
    await asyncio.gather(*(room.disconnect() for room in rooms), return_exceptions=True)


def run(args) -> dict:
    """Members spread over `--processes` processes; the senders are in the first."""
    import subprocess

    args.room = "bench-data-" + str(int(time.time()))
    per = -(-args.members // args.processes)
    procs = []
    started = time.perf_counter()
    for n in range(args.processes):
        first, count = n * per, min(per, args.members - n * per)
        cmd = [sys.executable, "-m", "bench.livekit_data", "--member-process", "--room", args.room]
        cmd += ["--url", args.url, "--key", args.key, "--secret", args.secret, "--first", str(first)]
        cmd += ["--count", str(count), "--senders", str(args.senders if n == 0 else 0)]
        cmd += ["--phase-seconds", str(args.phase_seconds), "--drain-seconds", str(args.drain_seconds)]
        cmd += ["--rates", *[str(r) for r in args.rates]]
        procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for proc in procs:
        assert proc.stdout.readline().strip() == "READY"
    connect_seconds = time.perf_counter() - started
    time.sleep(2.0)  # every data channel open
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    line = procs[0].stdout.readline()
    phases = json.loads(line.split(" ", 1)[1])
    received: dict[str, list] = {}
    for proc in procs:
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        for rate, items in json.loads(line.split(" ", 1)[1]).items():
            received.setdefault(rate, []).extend(items)
        proc.wait(30)
    out = []
    for phase in phases:
        items = received.get(f"r{phase['rate']:g}", [])
        latencies = [lat for lat, _ in items]
        last = max((at for _, at in items), default=phase["start"])
        out.append(
            {
                "rate_sent_per_s": phase["rate"],
                "messages": phase["messages"],
                "deliveries": len(items),
                "expected": phase["messages"] * (args.members - 1),  # not to the sender itself
                "delivered_per_s": len(items) / max(1e-9, last - phase["start"]),
                "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
                "p99_ms": 1000 * percentile(latencies, 99) if latencies else None,
                "max_ms": 1000 * max(latencies) if latencies else None,
            }
        )
    return {"connect_seconds": connect_seconds, "phases": out, "processes": args.processes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--senders", type=int, default=5)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 50, 100, 200])
    parser.add_argument("--phase-seconds", type=float, default=3.0)
    parser.add_argument("--drain-seconds", type=float, default=3.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--member-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--room", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.member_process:
        asyncio.run(member_process(args))
        return
    print("JSON " + json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    main()

"""Connection scale: many idle chat sockets on one gunicorn gevent worker.

Opens `--sockets` chat sockets (aiohttp, in this process) to one room served by one worker
(`--identities` join tokens, each used by sockets/identities sockets), bounded by
`--connect-seconds`. Reports the worker's resident memory per open socket (VmRSS after minus
before, over the sockets open) and the time from sending one chat message to every socket
having read its `message.created`. Raises this process's open-file limit (the server's is
raised by gunicorn.conf's WORKER_CONNECTIONS and the harness's ulimit).
"""

import asyncio
import json
import resource
import subprocess
import time

import aiohttp

from tests.support.servers import AppServer


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker_pid(server: AppServer) -> int:
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout.split()
    return int(out[0])


async def scenario(
    server: AppServer, key: str, sockets: int, identities: int, connect_seconds: float
) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    pid = worker_pid(server)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as http:
        async with http.post(
            f"{server.url}/api/v1/rooms",
            json={"room": {"name": "idle", "capabilities": ["chat"], "max_participants": 10000}},
            headers=headers,
        ) as response:
            room = (await response.json())["data"]
        tokens = []
        for n in range(identities + 1):
            async with http.post(
                f"{server.url}/api/v1/rooms/{room['id']}/tokens",
                json={"identity": f"idle-{n}"},
                headers=headers,
            ) as response:
                tokens.append((await response.json())["data"]["token"])
        ws_base = server.url.replace("http://", "ws://") + "/api/v1/realtime?token="
        await asyncio.sleep(1.0)
        before = rss_kb(pid)
        open_sockets: list = []
        started = time.perf_counter()
        deadline = started + connect_seconds

        async def connect(n: int):
            ws = await http.ws_connect(ws_base + tokens[n % identities], max_msg_size=0, heartbeat=None)
            await ws.receive()  # presence.state
            return ws

        failed = 0
        for batch in range(0, sockets, 200):
            if time.perf_counter() > deadline:
                break
            results = await asyncio.gather(
                *(connect(n) for n in range(batch, min(sockets, batch + 200))), return_exceptions=True
            )
            for item in results:
                if isinstance(item, BaseException):
                    failed += 1
                else:
                    open_sockets.append(item)
        connected_in = time.perf_counter() - started
        await asyncio.sleep(2.0)  # presence noise settles
        after = rss_kb(pid)

        received = 0
        done = asyncio.Event()
        last_at = [0.0]

        async def drain(ws):
            nonlocal received
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    return
                if '"message.created"' in msg.data:
                    received += 1
                    last_at[0] = time.perf_counter()
                    if received == len(open_sockets):
                        done.set()
                    return

        readers = [asyncio.create_task(drain(ws)) for ws in open_sockets]
        sender = await http.ws_connect(ws_base + tokens[identities], max_msg_size=0)
        first = await sender.receive()
        if first.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"the sender's socket was refused: {first.type} {first.data} {first.extra}")
        await asyncio.sleep(0.5)
        sent = time.perf_counter()
        await sender.send_str(json.dumps({"event": "chat.message", "data": {"body": "to everyone"}}))
        try:
            await asyncio.wait_for(done.wait(), 60)
        except TimeoutError:
            pass
        broadcast = (last_at[0] - sent) if received else None
        for task in readers:
            task.cancel()
        await sender.close()
        await asyncio.gather(*(ws.close() for ws in open_sockets), return_exceptions=True)
    return {
        "sockets_wanted": sockets,
        "sockets_open": len(open_sockets),
        "failed": failed,
        "connect_seconds": round(connected_in, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_after_mb": round(after / 1024, 1),
        "kb_per_socket": round((after - before) / max(1, len(open_sockets)), 1),
        "broadcast_received": received,
        "broadcast_seconds": round(broadcast, 3) if broadcast is not None else None,
    }


def run(
    database_url: str, key: str, sockets: int, identities: int = 100, connect_seconds: float = 120
) -> dict:
    raise_nofile()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "API_RATE_LIMIT": "1000000 per second",
        "CHAT_RATE_PER_SECOND": "1000",
        "CHAT_RATE_BURST": "1000",
        "WORKER_CONNECTIONS": str(sockets + 1000),
        "LOG_LEVEL": "WARNING",
    }
    with AppServer(env=env, workers=1) as server:
        return asyncio.run(scenario(server, key, sockets, identities, connect_seconds))

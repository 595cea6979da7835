"""How many chat messages one room stores per second on PostgreSQL.

Starts Switchboard (gunicorn, gevent, 1 worker unless --workers) on a fresh database, opens
`--senders` sockets in one room and has each send `--per-sender` messages as fast as the
socket takes them; the rate is acknowledged (stored and committed) messages per second from
the first send to the last ack. Then it checks what the database holds: seq 1..N, no gaps.
"""

import argparse
import json
import threading
import time

import requests
import sqlalchemy as sa

from bench.stack import migrated_database, project_key
from tests.support.chatclient import ChatClient
from tests.support.servers import AppServer


def run(database_url: str, senders: int, per_sender: int, workers: int = 1, redis_url: str = "") -> dict:
    key = project_key(database_url)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHAT_RATE_PER_SECOND": "1000000",
        "CHAT_RATE_BURST": "1000000",
        "API_RATE_LIMIT": "1000000 per second",
        "LOG_LEVEL": "WARNING",
    }
    with AppServer(env=env, workers=workers) as server:
        headers = {"Authorization": f"Bearer {key}"}
        room = requests.post(
            server.url + "/api/v1/rooms",
            json={"room": {"name": "store", "capabilities": ["chat"]}},
            headers=headers,
        ).json()["data"]
        clients = []
        for n in range(senders):
            token = requests.post(
                f"{server.url}/api/v1/rooms/{room['id']}/tokens", json={"identity": f"s{n}"}, headers=headers
            ).json()["data"]["token"]
            client = ChatClient(server.url, token)
            client.expect("presence.state")
            clients.append(client)
        acked = [0] * senders
        errors: list[str] = []

        def sender(n: int, client: ChatClient) -> None:
            def read():
                try:
                    while acked[n] < per_sender:
                        frame = client.recv(60)
                        if frame["event"] == "ack":
                            acked[n] += 1
                        elif frame["event"] == "error":
                            errors.append(json.dumps(frame))
                            return
                except Exception as exc:
                    errors.append(repr(exc))

            reader = threading.Thread(target=read)
            reader.start()
            for i in range(per_sender):
                client.send("chat.message", {"body": f"s{n} message {i} " + "x" * 40}, ref=i)
            reader.join(120)

        start = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(n, c)) for n, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        elapsed = time.perf_counter() - start
        for client in clients:
            client.close()
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        query = sa.text("select seq from chat_messages where room_id = :room order by seq")
        seqs = [r[0] for r in conn.execute(query, {"room": room["id"]})]
    engine.dispose()
    total = senders * per_sender
    return {
        "senders": senders,
        "messages": total,
        "acked": sum(acked),
        "seconds": round(elapsed, 2),
        "stored_per_s": round(sum(acked) / elapsed, 1),
        "gap_free": seqs == list(range(1, total + 1)),
        "errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--per-sender", type=int, default=250)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with migrated_database("postgresql") as url:
        print(json.dumps(run(url, args.senders, args.per_sender, args.workers)))


if __name__ == "__main__":
    main()

"""The fan-out hub (the CTFd pattern): one queue per open socket, one listener per process.

Publishers call `hub.publish(room_id, item)` only after the change they announce committed.
- Without `REDIS_URL` the hub is in-process: `publish` hands the item straight to the
  room's local members. Messages stored by another process of the same deployment reach
  this one's members through a short database poll (`REALTIME_POLL_SECONDS`); run one web
  process, or set `REDIS_URL`, for live typing and presence across processes.
- With `REDIS_URL`, `publish` goes through Redis pub/sub and each process runs one listener
  greenlet (a pattern subscription on `<prefix>:room:*`) that hands items to local members.

Order comes from the database `seq`, never from arrival: each room's `RoomChannel` passes
`message.created` to its members strictly in `seq` order without gaps. An item that arrives
early waits in a small buffer; if the missing ones do not arrive within `FILL_DELAY` they are
read from the database (a message is published only after commit, and `seq` n commits only
after every smaller seq did, so the database always has them).
"""

import json
import logging

import gevent
import gevent.event
import redis
from flask import current_app

from switchboard.errors import database_error
from switchboard.extensions import db
from switchboard.realtime.frames import encode, wire
from switchboard.realtime.writer import ChatWriter
from switchboard.services import chat

log = logging.getLogger(__name__)

FILL_DELAY = 0.05
FILL_BATCH = 500


def _log_failure(what: str, exc: Exception) -> None:
    """A database outage is expected and retried: one line; anything else with its traceback."""
    if database_error(exc) is not None:
        log.warning("%s: database unavailable (%s)", what, type(exc).__name__)
    else:
        log.exception(what)


class RoomChannel:
    """This process's members of one room, and the room's delivery cursor."""

    def __init__(self, hub: "Hub", room_id: str):
        self.hub = hub
        self.room_id = room_id
        self.members: set = set()
        self.last_seq: int | None = None  # None until read from the database
        self.pending: dict[int, dict] = {}
        self.filling = False

    # -- ordering ---------------------------------------------------------------------------

    def start(self, last_seq: int) -> None:
        """Set the cursor to the database's last seq (read after the first member joined)."""
        self.last_seq = last_seq
        for seq in [s for s in self.pending if s <= last_seq]:
            del self.pending[seq]
        self._advance()

    def message(self, data: dict) -> None:
        seq = data["seq"]
        if self.last_seq is not None and seq <= self.last_seq:
            return
        self.pending[seq] = data
        if self.last_seq is not None:
            self._advance()

    def _advance(self) -> None:
        while self.last_seq + 1 in self.pending:
            self.last_seq += 1
            self._broadcast_message(self.pending.pop(self.last_seq))
        if self.pending and not self.filling:
            self.filling = True
            gevent.spawn(self._fill)

    def _fill(self) -> None:
        """Fetch the messages between the cursor and what is buffered from the database."""
        try:
            gevent.sleep(FILL_DELAY)
            while self.pending and self.members:
                up_to = max(self.pending)
                before = self.last_seq
                for data in self.hub.read_messages(self.room_id, self.last_seq, up_to):
                    self.pending.setdefault(data["seq"], data)
                while self.last_seq + 1 in self.pending:
                    self.last_seq += 1
                    self._broadcast_message(self.pending.pop(self.last_seq))
                if self.last_seq == before:
                    gevent.sleep(0.5)  # not visible yet (replica lag?): try again shortly
        except Exception as exc:
            _log_failure("chat gap fill failed in a room", exc)
        finally:
            self.filling = False

    def catch_up(self) -> None:
        """Deliver anything stored that this process has not seen (poll and reconnect path)."""
        if self.last_seq is None or self.filling:
            return
        for data in self.hub.read_messages(self.room_id, self.last_seq, None):
            self.message(data)

    # -- delivery ---------------------------------------------------------------------------

    def _broadcast_message(self, data: dict) -> None:
        # Encoded and framed once for every member of the room in this process.
        self._broadcast(("message", data, wire(encode("message.created", data))))

    def _broadcast(self, item: tuple) -> None:
        for member in list(self.members):
            member.deliver(item)

    def dispatch(self, item: dict) -> None:
        kind = item["kind"]
        if kind == "message":
            self.message(item["data"])
        elif kind == "event":
            self._broadcast(("event", item["event"], item["data"], item.get("origin")))
        elif kind == "remove":
            self._broadcast(("remove", item["identity"]))
        elif kind == "revoke_token":
            self._broadcast(("revoke_token", item["token_id"]))
        elif kind == "direct":
            self._broadcast(
                (
                    "direct",
                    item.get("identity"),
                    item.get("admitters"),
                    item["event"],
                    item["data"],
                    item.get("close"),
                )
            )
        elif kind == "close":
            self._broadcast(("close_room",))


class Hub:
    """Per-process registry of room channels plus the transport between processes."""

    def __init__(self, app):
        self.app = app
        self.rooms: dict[str, RoomChannel] = {}
        self.redis_url = app.config.get("REDIS_URL")
        self.prefix = app.config["REALTIME_CHANNEL_PREFIX"]
        self.poll_seconds = app.config["REALTIME_POLL_SECONDS"]
        self.check_seconds = app.config["REALTIME_CHECK_SECONDS"]
        self._redis = None
        self._background = None
        self._sweeper = None
        self.writer = ChatWriter(app, self)  # stores the sockets' chat messages in batches

    # -- membership -------------------------------------------------------------------------

    def join(self, room_id: str, member) -> RoomChannel:
        """Register `member` (anything with `deliver(item)`) for the room's items."""
        self._ensure_background()
        channel = self.rooms.get(room_id)
        created = channel is None
        if created:
            channel = self.rooms[room_id] = RoomChannel(self, room_id)
        channel.members.add(member)
        if created:
            # Read the cursor after registering, so nothing published meanwhile is lost.
            channel.start(self.read_last_seq(room_id))
        return channel

    def leave(self, room_id: str, member) -> None:
        channel = self.rooms.get(room_id)
        if channel is None:
            return
        channel.members.discard(member)
        if not channel.members and self.rooms.get(room_id) is channel:
            del self.rooms[room_id]

    # -- publishing -------------------------------------------------------------------------

    def publish(self, room_id: str, item: dict) -> None:
        """Send `item` to every member of the room in every process. Call after commit."""
        if not self.redis_url:
            self._dispatch(room_id, item)
            return
        try:
            self._client().publish(f"{self.prefix}:room:{room_id}", json.dumps(item, separators=(",", ":")))
        except Exception as exc:  # Redis down: the periodic database checks still deliver messages
            log.warning("realtime publish failed: %s", type(exc).__name__)

    def publish_message(self, room_id: str, data: dict) -> None:
        self.publish(room_id, {"kind": "message", "data": data})

    def publish_event(self, room_id: str, event: str, data: dict, origin: str | None = None) -> None:
        self.publish(room_id, {"kind": "event", "event": event, "data": data, "origin": origin})

    def publish_direct(
        self,
        channel: str,
        event: str,
        data: dict,
        *,
        identity: str | None = None,
        admitters: bool = False,
        close: list | None = None,
    ) -> None:
        """An event for some members only: one identity, or those who may admit from the
        waiting room; `close` ([code, reason]) closes their socket after it."""
        item = {"kind": "direct", "event": event, "data": data, "identity": identity, "admitters": admitters}
        if close:
            item["close"] = close
        self.publish(channel, item)

    def _dispatch(self, room_id: str, item: dict) -> None:
        channel = self.rooms.get(room_id)
        if channel is not None:
            channel.dispatch(item)

    # -- database reads (for gap fills), each in its own app context --------------------------

    def read_last_seq(self, room_id: str) -> int:
        with self.app.app_context():
            try:
                return chat.last_seq(room_id)
            finally:
                db.session.remove()

    def read_messages(self, room_id: str, after_seq: int, up_to: int | None) -> list[dict]:
        with self.app.app_context():
            try:
                rows = chat.messages_after(room_id, after_seq, limit=FILL_BATCH, up_to=up_to)
                return [chat.event_data(row) for row in rows]
            finally:
                db.session.remove()

    # -- background: the Redis listener, or the database poll ---------------------------------

    def _client(self):
        if self._redis is None:
            self._redis = redis.Redis.from_url(
                self.redis_url, socket_connect_timeout=5, health_check_interval=30
            )
        return self._redis

    def _ensure_background(self) -> None:
        if self._sweeper is None and self.check_seconds > 0:
            self._sweeper = gevent.spawn(self._sweep_loop)
        if self._background is not None:
            return
        if self.redis_url:
            ready = gevent.event.Event()
            self._background = gevent.spawn(self._listen, ready)
            ready.wait(5)  # subscribed before the first member is served
        elif self.poll_seconds > 0:
            self._background = gevent.spawn(self._poll)

    def stop(self) -> None:
        """Stop the background greenlets (tests; a process normally runs until it exits)."""
        if self._background is not None:
            self._background.kill(block=False)
            self._background = None
        if self._sweeper is not None:
            self._sweeper.kill(block=False)
            self._sweeper = None

    def _sweep_loop(self) -> None:
        """One periodic check of every open socket of this process (not a timer per socket):
        each socket class checks all of its sockets at once (`Socket.check_all`)."""
        while True:
            gevent.sleep(self.check_seconds)
            self.sweep()

    def sweep(self) -> None:
        by_class: dict[type, list] = {}
        for channel in list(self.rooms.values()):
            for member in list(channel.members):
                by_class.setdefault(type(member), []).append(member)
        for cls, members in by_class.items():
            with self.app.app_context():
                try:
                    cls.check_all(members)
                except Exception as exc:
                    _log_failure("realtime sweep failed", exc)

    def _catch_up_all(self) -> None:
        for channel in list(self.rooms.values()):
            try:
                channel.catch_up()
            except Exception as exc:
                _log_failure("chat catch-up failed in a room", exc)

    def _listen(self, ready) -> None:
        """One pattern subscription per process; reconnects with backoff and then catches up."""
        backoff = 0.5
        pattern = f"{self.prefix}:room:*"
        skip = len(self.prefix) + len(":room:")
        reconnected = False
        while True:
            pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(pattern)
                pubsub.get_message(timeout=5)  # the subscribe confirmation
                ready.set()
                backoff = 0.5
                if reconnected:
                    self._catch_up_all()
                for raw in pubsub.listen():
                    if raw.get("type") != "pmessage":
                        continue
                    channel = raw["channel"].decode() if isinstance(raw["channel"], bytes) else raw["channel"]
                    try:
                        self._dispatch(channel[skip:], json.loads(raw["data"]))
                    except Exception:
                        log.exception("bad realtime item")
            except Exception as exc:
                log.warning(
                    "realtime listener lost Redis (%s); retrying in %.1fs", type(exc).__name__, backoff
                )
                ready.set()
                reconnected = True
                gevent.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass

    def _poll(self) -> None:
        while True:
            gevent.sleep(self.poll_seconds)
            self._catch_up_all()


def init_app(app) -> None:
    app.extensions["realtime_hub"] = Hub(app)


def get_hub():
    return current_app.extensions["realtime_hub"]


def waiting_channel(room_id: str) -> str:
    """The hub channel of a room's waiting-room sockets (they hear nothing of the room's own)."""
    return room_id + "/waiting"

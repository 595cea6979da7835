"""Storing chat messages from this process's sockets, a batch per transaction.

Every socket hands its `chat.message` frames to the process's `ChatWriter`, which keeps one
queue per room and, while the queue is not empty, one greenlet that stores it: each round
takes what is queued (up to `MAX_BATCH`) and stores it with `chat.post_messages` in one
transaction, then, only after the commit, publishes each message in `seq` order and acks it
to its sender. Nothing waits to fill a batch: the first message of a quiet room is stored at
once, and what arrives while a batch commits makes up the next one. So the per-room seq lock
is taken once per batch, not once per message, and the contract is unchanged: seq is
gap-free and increasing (a failed batch rolls back every number it took), a sender's
messages keep their order (one queue, first in first out), a message is stored before it is
broadcast, and every member sees one order (the hub delivers by seq).
"""

import logging
from collections import deque
from dataclasses import dataclass

import gevent

from switchboard.errors import ApiError, database_error
from switchboard.extensions import db
from switchboard.services import chat

log = logging.getLogger(__name__)

MAX_BATCH = 200


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone; the pool replaces it)
        db.session.invalidate()


def _close() -> None:
    """Close the session even when its connection died under it: a raise here would end the
    room's writer greenlet with its queued messages unanswered."""
    try:
        db.session.close()
    except Exception:  # noqa: BLE001
        db.session.invalidate()


@dataclass
class Post:
    connection: object  # realtime.connection.Connection: claims, _reply, _error, deliver, written
    body: str
    ref: object


class ChatWriter:
    def __init__(self, app, hub):
        self.app = app
        self.hub = hub
        self.queues: dict[str, deque[Post]] = {}

    def submit(self, room_id: str, post: Post) -> None:
        """Queue `post` for storing; its sender gets `ack` (or `error`) once it is done."""
        queue = self.queues.get(room_id)
        if queue is None:
            queue = self.queues[room_id] = deque()
            gevent.spawn(self._drain, room_id, queue)
        queue.append(post)

    def _drain(self, room_id: str, queue: deque[Post]) -> None:
        with self.app.app_context():
            try:
                while queue:
                    batch = [queue.popleft() for _ in range(min(len(queue), MAX_BATCH))]
                    self._store(room_id, batch)
            finally:
                # No yield between the last emptiness check and this: a post submitted from
                # now on starts a new greenlet with a new queue.
                if self.queues.get(room_id) is queue:
                    del self.queues[room_id]
                db.session.remove()

    def _store(self, room_id: str, batch: list[Post]) -> None:
        try:
            db.session.rollback()  # start clean: the counter upsert must be the first write
            messages = chat.post_messages(room_id, [(p.connection.claims, p.body) for p in batch])
            stored = [chat.event_data(m) for m in messages]
            db.session.commit()
        except ApiError as exc:
            _rollback()
            for post in batch:
                post.connection._error(exc.code, exc.message, post.ref)
                if exc.code == "room_closed":
                    post.connection.deliver(("close_room",))
                post.connection.written(1)
            return
        except Exception as exc:
            _rollback()
            code = "internal_error"
            if database_error(exc) is not None:  # the database is down or full: retryable
                log.warning("storing %d chat message(s) failed: %s", len(batch), type(exc).__name__)
                code = "unavailable"
            else:
                log.exception("storing %d chat message(s) failed", len(batch))
            for post in batch:
                post.connection._error(code, "The message could not be stored; send it again.", post.ref)
                post.connection.written(1)
            return
        finally:
            _close()
        for post, data in zip(batch, stored, strict=True):
            self.hub.publish_message(room_id, data)
            post.connection._reply("ack", {"ref": post.ref, "id": data["id"], "seq": data["seq"]}, post.ref)
            post.connection.written(1)

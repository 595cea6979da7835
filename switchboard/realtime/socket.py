"""What every server-side chat socket shares: one writer greenlet owns every send (so
frames never interleave), items are written in the order they were queued, and a periodic
check is the safety net for pushes that were lost.

The check is not a timer per socket: the hub's one sweep greenlet per process runs every
`REALTIME_CHECK_SECONDS` and calls `check_all(sockets)` once per socket class with every open
socket of that class, so a class can check them all in a few queries (`Connection` does); the
default hands each socket a `("check",)` item and its writer runs `_check()`."""

import logging

import gevent
from gevent.queue import Queue
from simple_websocket import ConnectionClosed
from wsproto.events import TextMessage

from switchboard.errors import database_error
from switchboard.extensions import db
from switchboard.realtime import frames

log = logging.getLogger(__name__)


class Socket:
    """Base of `Connection` (a room member) and `WaitingSocket` (someone in the waiting room).

    Subclasses set `ws` and `app`, and implement `_join` and `_leave` (around
    the socket's life), `_on_frame(raw)` (the reader), `_greet` (the first frames),
    `_handle(item)` and `_check()` (the writer)."""

    ws = None
    app = None
    # The reader wakes this often even when nothing arrives (closing also wakes it at once).
    read_wakeup: float = 30.0

    def __init__(self):
        self.queue: Queue = Queue()
        self.open = True

    def deliver(self, item: tuple) -> None:
        if self.open:
            self.queue.put(item)

    def run(self) -> None:
        """The request greenlet reads client frames; a writer greenlet owns every send."""
        self._join()
        writer = gevent.spawn(self._write_loop)
        try:
            while self.open:
                try:
                    raw = self.ws.receive(timeout=self.read_wakeup)
                except ConnectionClosed:
                    break
                if raw is not None:
                    self._on_frame(raw)
        finally:
            self.open = False
            self.queue.put(("stop",))  # wake the writer
            writer.join(timeout=2)
            writer.kill(block=False)
            self._leave()

    def _join(self) -> None:
        """Before the first frame: register the socket where it belongs."""

    def _leave(self) -> None:
        """After the last frame: unregister the socket."""

    def _on_frame(self, raw) -> None:
        raise NotImplementedError

    def _send(self, event: str, data: dict, ref=None) -> None:
        self._send_text(frames.encode(event, data, ref))

    def _send_text(self, text: str) -> None:
        # simple_websocket's own send() uses socket.send, which may write part of a large
        # frame under gevent; sendall never does.
        self.ws.sock.sendall(self.ws.ws.send(TextMessage(data=text)))

    def _close(self, code: int, reason: str) -> None:
        self.open = False
        try:
            self.ws.close(reason=code, message=reason)
        except (ConnectionClosed, OSError):
            pass
        self.ws.event.set()  # wake the reader

    def _greet(self) -> None:
        """The frames a socket gets before anything else."""

    def _handle(self, item: tuple) -> None:
        raise NotImplementedError

    def _check(self) -> None:
        raise NotImplementedError

    @classmethod
    def check_all(cls, sockets: list) -> None:
        """The periodic check of every open socket of this class (the hub's sweep, in an app
        context): by default each socket's writer runs its own `_check`."""
        for socket in sockets:
            socket.deliver(("check",))

    def _checked(self) -> None:
        """`_check`, outliving a database outage: the socket stays open and checks again at
        the next round (what it missed is filled from the database then)."""
        try:
            self._check()
        except Exception as exc:
            if database_error(exc) is None:
                raise
            log.warning(
                "%s check skipped: database unavailable (%s)", type(self).__name__, type(exc).__name__
            )
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001  (the connection is gone; the pool replaces it)
                db.session.invalidate()

    def _write_loop(self) -> None:
        with self.app.app_context():
            try:
                self._greet()
                while self.open:
                    item = self.queue.get()
                    if item[0] == "check":
                        self._checked()
                    elif item[0] == "close":
                        self._close(item[1], item[2])
                    elif item[0] != "stop":
                        self._handle(item)
            except (ConnectionClosed, OSError):
                pass
            except Exception:
                log.exception("%s writer failed", type(self).__name__)
                self._close(1011, "Internal error.")
            finally:
                self.open = False
                self.ws.event.set()
                db.session.remove()

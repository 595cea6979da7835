"""Run side effects only once the database change that caused them is committed.

`after_commit(fn)` queues `fn` on the current session; it runs after a successful commit
and is dropped on rollback, so a broadcast or wake-up never announces a change that did
not happen. `install()` (called by `create_app`) hooks this into SQLAlchemy's sessions.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from switchboard.extensions import db

_KEY = "switchboard_after_commit"


def after_commit(fn) -> None:
    db.session().info.setdefault(_KEY, []).append(fn)


def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for fn in callbacks:
        fn()


def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    """Listen for commits and rollbacks on every session (once per process)."""
    if not event.contains(Session, "after_commit", _run_after_commit):
        event.listen(Session, "after_commit", _run_after_commit)
        event.listen(Session, "after_rollback", _drop_after_rollback)

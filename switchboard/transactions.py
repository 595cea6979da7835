"""Run side effects only once the database change that caused them is committed.

`after_commit(fn)` queues `fn` on the current session; it runs after a successful commit
and is dropped on rollback, so a broadcast or wake-up never announces a change that did
not happen.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "switchboard_after_commit"


def after_commit(fn) -> None:
    from switchboard.extensions import db

    db.session().info.setdefault(_KEY, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for fn in callbacks:
        fn()


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)

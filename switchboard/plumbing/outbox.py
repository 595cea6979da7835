"""Putting work on the job table, and how long to wait before trying again.

`enqueue` only adds a row to the current session: the job commits (or rolls back) with the
change that caused it, which is what makes the table an outbox. The worker (`jobs/`) runs it.
"""

import logging
import random
from datetime import datetime

from switchboard.extensions import db
from switchboard.models import Job
from switchboard.models.base import utcnow
from switchboard.plumbing.transactions import after_commit

log = logging.getLogger(__name__)


def enqueue(
    kind: str,
    payload: dict | None = None,
    *,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> Job:
    """Add a job of `kind` to the current transaction; the worker runs it after commit."""
    job = Job(kind=kind, payload=payload or {}, run_at=run_at or utcnow(), status="queued", attempts=0)
    if max_attempts is not None:
        job.max_attempts = max_attempts
    db.session.add(job)
    return job


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Delay before try `attempt + 1`: base·2^(attempt-1), capped, with ±20 % jitter so
    work that failed together does not all come back together."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.8, 1.2)


def enqueue_and_attempt(kind: str, payload: dict, call) -> Job:
    """Queue a job of `kind` and, once this transaction commits, try `call()` at once: if it
    succeeds the job is marked done, otherwise the worker runs the job later. `call` must not
    touch the session (it runs from the session's after-commit hook)."""
    job = enqueue(kind, payload)
    db.session.flush()
    job_id = job.id

    def attempt() -> None:
        try:
            call()
        except Exception as exc:  # never let a best-effort call fail a committed request
            log.info("%s deferred to the job worker: %s", kind, type(exc).__name__)
            return
        with db.engine.begin() as conn:
            conn.execute(
                db.update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="done", updated_at=utcnow())
            )

    after_commit(attempt)
    return job

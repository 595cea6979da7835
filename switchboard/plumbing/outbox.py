"""Putting work on the job table, and how long to wait before trying again.

`enqueue` only adds a row to the current session: the job commits (or rolls back) with the
change that caused it, which is what makes the table an outbox. The worker (`jobs/`) runs it.
"""

import random
from datetime import datetime

from switchboard.extensions import db
from switchboard.models import Job
from switchboard.models.base import utcnow


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

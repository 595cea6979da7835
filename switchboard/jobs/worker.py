"""The job worker (`flask --app app worker`): leases due jobs from the job table and runs them.

How a job moves:
- `queued` and due (`run_at <= now`) -> leased: `running`, `locked_by` this worker,
  `lease_expires_at = now + WORKER_LEASE_SECONDS`, `attempts + 1`, committed at once.
- The handler runs outside any lock. On success the job becomes `done` in the same
  transaction as whatever the handler left uncommitted (so `webhooks.fan_out`'s deliveries
  and its `done` commit together). If the lease was lost meanwhile, that work rolls back.
- On an exception the job goes back to `queued` with `run_at` pushed out by exponential
  backoff with jitter (or the task's own `Retry(after_seconds=…)`), and `last_error` says
  why; after `max_attempts` it stays `failed`.
- A `running` job whose lease expired (its worker was killed) is due again: the next
  worker leases it as if it were queued. Delivery is therefore at least once.

Leasing: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so any number of worker processes
(each with WORKER_CONCURRENCY threads) never take the same job. SQLite has no row locks:
run a single worker process there; it takes jobs one at a time, and the lease is a
compare-and-set UPDATE so even a second worker would not run a job twice at once.

Latency: an idle worker polls every WORKER_POLL_SECONDS (0.5 s by default), so a job
committed by the web app starts within about that long.

Periodic jobs (the registry's `periodic`) are inserted once per time slot under a unique key
(`<kind>@<slot>`): every worker tries, the unique constraint lets exactly one row in.

SIGTERM or SIGINT: stop leasing, let running jobs finish, exit 0.
"""

import logging
import os
import signal
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from switchboard.extensions import db
from switchboard.jobs import registry
from switchboard.jobs.registry import Retry, load_tasks
from switchboard.models import Job
from switchboard.models.base import new_id, utcnow
from switchboard.plumbing.outbox import backoff_seconds, enqueue

log = logging.getLogger(__name__)

PERIODIC_CHECK_SECONDS = 1.0
PERIODIC_MAX_ATTEMPTS = 3
ERROR_LIMIT = 1000


def _due(now: datetime):
    return or_(
        and_(Job.status == "queued", Job.run_at <= now),
        and_(Job.status == "running", Job.lease_expires_at < now),
    )


def lease_job(worker_id: str, lease_seconds: float) -> Job | None:
    """Take one due job for `worker_id` and commit the lease; None when nothing is due."""
    now = utcnow()
    lease = {
        "status": "running",
        "locked_by": worker_id,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "updated_at": now,
    }
    if db.engine.dialect.name == "postgresql":
        query = (
            db.select(Job).where(_due(now)).order_by(Job.run_at).limit(1).with_for_update(skip_locked=True)
        )
        job = db.session.scalar(query)
        if job is None:
            db.session.rollback()
            return None
        for name, value in lease.items():
            setattr(job, name, value)
        job.attempts = job.attempts + 1
        db.session.commit()
        return job

    candidates = list(db.session.scalars(db.select(Job.id).where(_due(now)).order_by(Job.run_at).limit(5)))
    for job_id in candidates:
        result = db.session.execute(
            update(Job).where(Job.id == job_id, _due(now)).values(attempts=Job.attempts + 1, **lease)
        )
        if result.rowcount == 1:
            db.session.commit()
            return db.session.get(Job, job_id)
    db.session.rollback()
    return None


def _ours(job_id: str, worker_id: str):
    return and_(Job.id == job_id, Job.locked_by == worker_id, Job.status == "running")


def _settle(job_id: str, worker_id: str, **values) -> bool:
    """Update the job only if this worker still holds its lease."""
    values.update(locked_by=None, lease_expires_at=None, updated_at=utcnow())
    result = db.session.execute(update(Job).where(_ours(job_id, worker_id)).values(**values))
    return result.rowcount == 1


def run_job(job: Job, worker_id: str, tasks: dict | None = None) -> str:
    """Run a leased job to its next state; returns "done", "queued", "failed" or "lost"."""
    tasks = load_tasks() if tasks is None else tasks
    job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    attempt, max_attempts = job.attempts, job.max_attempts
    config = current_app.config
    started = time.monotonic()
    try:
        handler = tasks.get(kind)
        if handler is None:
            raise LookupError(f"no handler for job kind {kind!r} in this worker")
        handler(payload)
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, Retry):
            delay, error = exc.after_seconds, str(exc)
        else:
            # The type and job only: exception text may quote data we must not log.
            log.warning("job %s (%s) failed on attempt %d: %s", job_id, kind, attempt, type(exc).__name__)
            delay = backoff_seconds(
                attempt, config["JOB_BACKOFF_BASE_SECONDS"], config["JOB_BACKOFF_MAX_SECONDS"]
            )
            error = f"{type(exc).__name__}: {exc}"
        state = "queued" if attempt < max_attempts else "failed"
        settled = _settle(
            job_id,
            worker_id,
            status=state,
            run_at=utcnow() + timedelta(seconds=delay),
            last_error=error[:ERROR_LIMIT],
        )
        db.session.commit()
        return state if settled else "lost"

    if _settle(job_id, worker_id, status="done"):
        db.session.commit()
        log.debug("job %s (%s) done in %.0f ms", job_id, kind, (time.monotonic() - started) * 1000)
        return "done"
    # Our lease ran out and another worker has the job: its run wins, ours is undone.
    db.session.rollback()
    log.warning("job %s (%s) lost its lease before finishing", job_id, kind)
    return "lost"


def run_due_jobs(worker_id: str, *, limit: int | None = None) -> int:
    """Run jobs until none is due (or `limit` ran); returns how many ran. Used by `--once`."""
    tasks = load_tasks()
    lease_seconds = current_app.config["WORKER_LEASE_SECONDS"]
    count = 0
    while limit is None or count < limit:
        job = lease_job(worker_id, lease_seconds)
        if job is None:
            break
        run_job(job, worker_id, tasks)
        count += 1
    return count


def _slot_start(slot: int, every: int) -> datetime:
    return datetime.fromtimestamp(slot * every, UTC).replace(tzinfo=None)


def schedule_periodic(now: float | None = None, seen: dict | None = None) -> int:
    """Insert this slot's job for every periodic kind unless one exists; returns how many
    rows this call inserted. `seen` remembers slots already handled by this worker."""
    now = time.time() if now is None else now
    seen = {} if seen is None else seen
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    inserted = 0
    for periodic in registry.current().periodic:
        slot = int(now // periodic.every_seconds)
        if seen.get(periodic.kind) == slot:
            continue
        stamp = utcnow()
        stmt = (
            insert(Job)
            .values(
                id=new_id("job"),
                kind=periodic.kind,
                payload=dict(periodic.payload),
                status="queued",
                run_at=_slot_start(slot, periodic.every_seconds),
                attempts=0,
                max_attempts=PERIODIC_MAX_ATTEMPTS,
                unique_key=f"{periodic.kind}@{slot}",
                created_at=stamp,
                updated_at=stamp,
            )
            .on_conflict_do_nothing(index_elements=["unique_key"])
            .returning(Job.id)
        )
        inserted += len(db.session.execute(stmt).all())
        seen[periodic.kind] = slot
    db.session.commit()
    return inserted


def _worker_id(n: int) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{n}"[:128]


def _work(app, worker_id: str, stop: threading.Event) -> None:
    with app.app_context():
        tasks = load_tasks()
        config = app.config
        while not stop.is_set():
            try:
                job = lease_job(worker_id, config["WORKER_LEASE_SECONDS"])
                if job is not None:
                    run_job(job, worker_id, tasks)
                    continue
            except Exception:
                log.exception("worker %s: could not lease or settle a job", worker_id)
                db.session.rollback()
            stop.wait(config["WORKER_POLL_SECONDS"])
        db.session.remove()


def enqueue_start_jobs() -> None:
    """Queue the registry's ON_START job kinds (once per worker start)."""
    for kind in registry.current().on_start:
        enqueue(kind, {})
    db.session.commit()


def run(*, once: bool = False, periodic: bool | None = None, concurrency: int | None = None) -> None:
    """The worker loop. `once`: run what is due, then return (periodic jobs are then only
    scheduled if `periodic=True`)."""
    app = current_app._get_current_object()
    load_tasks()
    periodic = (not once) if periodic is None else periodic
    if once:
        if periodic:
            schedule_periodic()
        ran = run_due_jobs(_worker_id(0))
        log.info("job worker ran %d job(s)", ran)
        return

    sqlite = db.engine.dialect.name == "sqlite"
    threads_wanted = 1 if sqlite else max(1, concurrency or app.config["WORKER_CONCURRENCY"])
    stop = threading.Event()

    def request_stop(signum, _frame):
        if stop.is_set():
            log.warning("second %s: exiting without waiting", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s: finishing running jobs, then stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    threads = [
        threading.Thread(target=_work, args=(app, _worker_id(n), stop), name=f"job-worker-{n}", daemon=True)
        for n in range(threads_wanted)
    ]
    enqueue_start_jobs()
    for thread in threads:
        thread.start()
    log.info(
        "job worker started: %d thread(s) on %s, polling every %ss",
        threads_wanted,
        db.engine.dialect.name,
        app.config["WORKER_POLL_SECONDS"],
    )

    seen: dict = {}
    while not stop.is_set():
        if periodic:
            try:
                schedule_periodic(seen=seen)
            except Exception:
                log.exception("could not schedule periodic jobs")
                db.session.rollback()
        stop.wait(PERIODIC_CHECK_SECONDS)
    for thread in threads:
        thread.join()
    log.info("job worker stopped")

"""The job worker, run in-process against the real databases: leasing, retries, leases
that expire, periodic jobs, and SKIP LOCKED on PostgreSQL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from switchboard.extensions import db
from switchboard.jobs import registry, worker
from switchboard.models import IdempotencyKey, Job, Project
from switchboard.models.base import utcnow
from switchboard.plumbing.outbox import enqueue

RAN: list[dict] = []


def record(payload: dict) -> None:
    RAN.append(payload)


def explode(payload: dict) -> None:
    raise ValueError("the handler broke")


def retry_later(payload: dict) -> None:
    raise registry.Retry("come back later", after_seconds=600)


@pytest.fixture(autouse=True)
def clean(app):
    jobs = registry.current()
    for kind, handler in (
        ("tests.record", record),
        ("tests.explode", explode),
        ("tests.retry_later", retry_later),
    ):
        jobs.add(kind, handler)
    RAN.clear()
    yield
    RAN.clear()


def queued(kind: str, payload: dict | None = None, **kw) -> str:
    job = enqueue(kind, payload or {}, **kw)
    db.session.commit()
    return job.id


def reload(job_id: str) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_due_job_runs_once_and_is_done(app):
    job_id = queued("tests.record", {"n": 1})
    assert worker.run_due_jobs("w1") == 1
    assert RAN == [{"n": 1}]
    job = reload(job_id)
    assert job.status == "done" and job.attempts == 1 and job.locked_by is None
    assert worker.run_due_jobs("w1") == 0


def test_a_job_is_not_run_before_its_run_at(app):
    queued("tests.record", run_at=utcnow() + timedelta(minutes=5))
    assert worker.run_due_jobs("w1") == 0 and RAN == []


def test_a_failing_job_is_retried_later_with_backoff_and_its_error(app):
    app.config.update(JOB_BACKOFF_BASE_SECONDS=10, JOB_BACKOFF_MAX_SECONDS=3600)
    job_id = queued("tests.explode")
    before = utcnow()
    worker.run_due_jobs("w1")
    job = reload(job_id)
    assert job.status == "queued" and job.attempts == 1
    assert job.last_error == "ValueError: the handler broke"
    delay = (job.run_at - before).total_seconds()
    assert 8 <= delay <= 12.5  # 10 s ± 20 % jitter


def test_backoff_doubles_up_to_its_cap_with_jitter():
    delays = [worker.backoff_seconds(n, 10, 100) for n in range(1, 7)]
    for n, delay in enumerate(delays, start=1):
        nominal = min(100, 10 * 2 ** (n - 1))
        assert 0.8 * nominal <= delay <= 1.2 * nominal
    assert len({round(worker.backoff_seconds(3, 10, 100), 6) for _ in range(20)}) > 1


def test_a_job_that_keeps_failing_ends_failed_after_max_attempts(app):
    app.config.update(JOB_BACKOFF_BASE_SECONDS=0, JOB_BACKOFF_MAX_SECONDS=0)
    job_id = queued("tests.explode", max_attempts=3)
    worker.run_due_jobs("w1")
    job = reload(job_id)
    assert job.status == "failed" and job.attempts == 3 and "handler broke" in job.last_error


def test_a_task_can_choose_its_retry_delay(app):
    job_id = queued("tests.retry_later")
    worker.run_due_jobs("w1")
    job = reload(job_id)
    assert job.status == "queued" and job.last_error == "come back later"
    assert 590 <= (job.run_at - utcnow()).total_seconds() <= 600


def test_an_unknown_kind_is_kept_and_retried_not_lost(app):
    job_id = queued("tests.no_such_handler")
    worker.run_due_jobs("w1")
    job = reload(job_id)
    assert job.status == "queued" and "no handler" in job.last_error


def test_a_job_whose_lease_expired_is_leased_again(app):
    job_id = queued("tests.record", {"n": 2})
    job = worker.lease_job("dead-worker", lease_seconds=60)
    assert job.id == job_id and job.status == "running"
    assert worker.lease_job("w2", lease_seconds=60) is None  # still leased

    db.session.execute(sa.update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert worker.run_due_jobs("w2") == 1
    job = reload(job_id)
    assert job.status == "done" and job.attempts == 2 and RAN == [{"n": 2}]


def test_a_worker_that_lost_its_lease_does_not_settle_the_job(app):
    job_id = queued("tests.record")
    job = worker.lease_job("slow-worker", lease_seconds=60)
    db.session.execute(sa.update(Job).values(locked_by="other-worker"))  # re-leased meanwhile
    db.session.commit()
    assert worker.run_job(job, "slow-worker") == "lost"
    assert reload(job_id).status == "running"


def test_periodic_jobs_are_scheduled_once_per_slot_across_workers(app, monkeypatch):
    monkeypatch.setattr(registry.current(), "periodic", [registry.Periodic("tests.record", every_seconds=60)])
    now = 1_800_000_030.0
    assert worker.schedule_periodic(now, seen={}) == 1  # worker A
    assert worker.schedule_periodic(now + 5, seen={}) == 0  # worker B, same slot
    assert worker.schedule_periodic(now + 60, seen={}) == 1  # next slot
    keys = sorted(db.session.scalars(db.select(Job.unique_key)))
    assert keys == ["tests.record@30000000", "tests.record@30000001"]


def test_the_maintenance_job_purges_expired_keys_and_old_jobs(app, api):
    from switchboard.jobs import maintenance

    project_id = db.session.scalar(db.select(Project.id))
    now = utcnow()
    for key, expires in (("old", now - timedelta(seconds=1)), ("live", now + timedelta(hours=1))):
        db.session.add(
            IdempotencyKey(
                project_id=project_id,
                key=key,
                fingerprint="x",
                status_code=201,
                response_body={},
                expires_at=expires,
            )
        )
    old = enqueue("tests.record")
    old.status, old.updated_at = "done", now - timedelta(days=8)
    recent = enqueue("tests.record")
    recent.status = "done"
    db.session.commit()
    old_id, recent_id = old.id, recent.id

    maintenance.cleanup({})
    db.session.commit()
    assert list(db.session.scalars(db.select(IdempotencyKey.key))) == ["live"]
    assert reload(old_id) is None and reload(recent_id) is not None


def test_the_maintenance_job_forgets_join_tokens_a_week_after_they_expired(app, api):
    from switchboard.jobs import maintenance
    from switchboard.models import JoinToken

    room = api.create_room()
    for identity in ("long-gone", "recent"):
        assert api.post(f"/rooms/{room['id']}/tokens", json={"identity": identity}).status_code == 201
    long_gone, recent = db.session.scalars(db.select(JoinToken).order_by(JoinToken.created_at)).all()
    long_gone.expires_at = utcnow() - timedelta(days=8)
    recent.expires_at = utcnow() - timedelta(days=6)
    db.session.commit()
    recent_id = recent.id

    maintenance.cleanup({})
    db.session.commit()
    assert list(db.session.scalars(db.select(JoinToken.id))) == [recent_id]


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no row locks; it runs one worker
def test_skip_locked_gives_concurrent_workers_different_jobs(app, backend):
    first = queued("tests.record", {"n": 1}, run_at=utcnow() - timedelta(seconds=2))
    second = queued("tests.record", {"n": 2}, run_at=utcnow() - timedelta(seconds=1))
    # Another worker's transaction is in the middle of leasing the oldest job.
    with db.engine.connect() as other:
        other.execute(sa.text("select id from jobs where id = :id for update"), {"id": first})
        leased = worker.lease_job("w2", lease_seconds=60)
        assert leased.id == second  # not blocked, not the same job
        other.rollback()
    assert worker.lease_job("w3", lease_seconds=60).id == first

"""LiveKit job kinds are registered, reconciliation is periodic, and start-up tolerates LiveKit down."""

import pytest

from switchboard.extensions import db
from switchboard.jobs import registry
from switchboard.jobs.worker import enqueue_start_jobs, run_due_jobs
from switchboard.livekit.client import LiveKitError
from switchboard.models import Job
from switchboard.services.rooms import lifecycle


@pytest.fixture
def app_config():
    return {"LIVEKIT_API_URL": "http://127.0.0.1:9", "LIVEKIT_TIMEOUT": 1.0}


def test_livekit_tasks_are_registered_and_reconcile_is_periodic(app):
    jobs = registry.current()
    tasks = jobs.tasks
    for kind in ("livekit.delete_room", "livekit.update_room", "livekit.reconcile_room", "livekit.reconcile"):
        assert kind in tasks
    assert any(p.kind == "livekit.reconcile" and p.every_seconds <= 60 for p in jobs.periodic)


def test_reconcile_raises_503_when_livekit_is_unreachable(app):
    with pytest.raises(LiveKitError) as err:
        lifecycle.reconcile()
    assert err.value.status == 503 and err.value.code == "unavailable"


def test_a_starting_worker_queues_a_reconcile_that_is_retried_while_livekit_is_down(app):
    assert "livekit.reconcile" in registry.current().on_start
    enqueue_start_jobs()
    job = db.session.scalar(db.select(Job).where(Job.kind == "livekit.reconcile"))
    assert job.status == "queued"
    run_due_jobs("test-worker")
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error and job.run_at > job.created_at

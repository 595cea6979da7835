"""LiveKit job kinds are registered, reconciliation is periodic, and start-up tolerates LiveKit down."""

import pytest

from switchboard.jobs import livekit as livekit_jobs
from switchboard.jobs.registry import PERIODIC, load_tasks
from switchboard.livekit.client import LiveKitError
from switchboard.services import lifecycle


@pytest.fixture
def app_config():
    return {"LIVEKIT_API_URL": "http://127.0.0.1:9", "LIVEKIT_TIMEOUT": 1.0}


def test_livekit_tasks_are_registered_and_reconcile_is_periodic():
    tasks = load_tasks()
    for kind in ("livekit.delete_room", "livekit.update_room", "livekit.reconcile_room", "livekit.reconcile"):
        assert kind in tasks
    assert any(p.kind == "livekit.reconcile" and p.every_seconds <= 60 for p in PERIODIC)


def test_reconcile_raises_503_when_livekit_is_unreachable_and_startup_carries_on(app):
    with pytest.raises(LiveKitError) as err:
        lifecycle.reconcile()
    assert err.value.status == 503 and err.value.code == "unavailable"
    assert livekit_jobs.startup() is None

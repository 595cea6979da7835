"""Background work: the worker loop (`worker`) and tasks by topic. Work is put on the job
table with `plumbing.outbox.enqueue`, in the transaction of the change that causes it."""

from switchboard.jobs import livekit, maintenance, recordings, retention, visits, webhooks
from switchboard.jobs.registry import Registry

TOPICS = (livekit, webhooks, recordings, maintenance, visits, retention)


def init_app(app) -> None:
    """Build the app's job registry from every topic module."""
    registry = Registry()
    for module in TOPICS:
        registry.add_topic(module, app.config)
    app.extensions["jobs"] = registry

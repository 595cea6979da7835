"""Task kinds the worker can run, and the periodic jobs, declared as data.

Each topic module (`jobs/webhooks.py`, `jobs/livekit.py`, …) declares what it offers:

    TASKS = {"webhooks.deliver": deliver}
    PERIODIC = [Periodic("livekit.reconcile", every_seconds=60)]
    ON_START = ["livekit.reconcile"]

and `create_app` builds the app's `Registry` from the modules in `jobs.TOPICS`
(`jobs.init_app`). The worker reads it from `current_app.extensions["jobs"]`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flask import current_app


@dataclass(frozen=True)
class Periodic:
    kind: str
    every_seconds: int
    payload: dict = field(default_factory=dict)
    # A config key that, when set, overrides `every_seconds` (e.g. RECONCILE_EVERY_SECONDS).
    setting: str | None = None


@dataclass
class Registry:
    tasks: dict[str, Callable[[dict], None]] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    # Job kinds each worker enqueues once when it starts (e.g. catching up on what happened
    # while no worker was running). They go through the job table like any other job.
    on_start: list[str] = field(default_factory=list)

    def add(self, kind: str, handler: Callable[[dict], None]) -> None:
        """Register `handler(payload)` for jobs of `kind`."""
        if kind in self.tasks and self.tasks[kind] is not handler:
            raise RuntimeError(f"two handlers for job kind {kind!r}")
        self.tasks[kind] = handler

    def add_topic(self, module, config=None) -> None:
        """Everything a topic module declares in TASKS, PERIODIC and ON_START (periods with a
        `setting` are taken from `config` when it has that key)."""
        for kind, handler in getattr(module, "TASKS", {}).items():
            self.add(kind, handler)
        for periodic in getattr(module, "PERIODIC", []):
            if periodic.setting and (config or {}).get(periodic.setting):
                periodic = replace(periodic, every_seconds=int(config[periodic.setting]))
            self.periodic.append(periodic)
        self.on_start.extend(getattr(module, "ON_START", []))


def current() -> Registry:
    """The app's registry (built by `create_app`)."""
    return current_app.extensions["jobs"]


def load_tasks() -> dict[str, Callable[[dict], None]]:
    """The app's task handlers by kind."""
    return current().tasks


class Retry(Exception):
    """Raised by a task to be run again after `after_seconds` (instead of the worker's
    own backoff), e.g. to honour a webhook receiver's `Retry-After`. Work the task
    committed before raising stays committed."""

    def __init__(self, message: str, *, after_seconds: float):
        super().__init__(message)
        self.after_seconds = after_seconds

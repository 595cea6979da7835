"""Task kinds the worker can run, and the periodic jobs, declared as data.

A topic module (`jobs/webhooks.py`, `jobs/livekit.py`, …) registers its handlers:

    @task("webhooks.deliver")
    def deliver(payload: dict) -> None: ...

    PERIODIC.append(Periodic("livekit.reconcile", every_seconds=60))

`load_tasks()` imports every topic module listed in TASK_MODULES.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

TASK_MODULES: list[str] = [
    "switchboard.jobs.livekit",
    "switchboard.jobs.webhooks",
    "switchboard.jobs.maintenance",
]

TASKS: dict[str, Callable[[dict], None]] = {}


@dataclass(frozen=True)
class Periodic:
    kind: str
    every_seconds: int
    payload: dict = field(default_factory=dict)


PERIODIC: list[Periodic] = []

# Job kinds each worker enqueues once when it starts (e.g. catching up on what happened
# while no worker was running). They go through the job table like any other job.
ON_START: list[str] = []


def task(kind: str):
    """Register `fn(payload)` as the handler of jobs of `kind`."""

    def register(fn):
        if kind in TASKS and TASKS[kind] is not fn:
            raise RuntimeError(f"two handlers for job kind {kind!r}")
        TASKS[kind] = fn
        return fn

    return register


def load_tasks() -> dict[str, Callable[[dict], None]]:
    for name in TASK_MODULES:
        importlib.import_module(name)
    return TASKS


class Retry(Exception):
    """Raised by a task to be run again after `after_seconds` (instead of the worker's
    own backoff), e.g. to honour a webhook receiver's `Retry-After`. Work the task
    committed before raising stays committed."""

    def __init__(self, message: str, *, after_seconds: float):
        super().__init__(message)
        self.after_seconds = after_seconds

"""The job worker loop (`flask --app app worker`).

Placeholder until the webhooks issue builds leasing, retries and the task registry: it
only keeps the Procfile's `worker:` process valid.
"""

import logging
import time

log = logging.getLogger(__name__)


def run(*, once: bool = False) -> None:
    log.info("job worker started (no task handlers yet)")
    while not once:
        time.sleep(5)

"""Background work goes through the job table; see `queue.enqueue`."""

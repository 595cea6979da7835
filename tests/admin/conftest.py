from tests.jobs.conftest import emit, receiver  # noqa: F401  (a real receiver for the webhook pages)

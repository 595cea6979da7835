"""Real components the tests need (PostgreSQL, Redis, LiveKit, Chromium).

Under CI=true a missing component fails the test run; on a developer machine it skips
the tests that need it, saying why.
"""

import os

import pytest


def require_component(name: str, why: str):
    message = f"{name} is not available: {why}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI=true: every component must be present)", pytrace=False)
    pytest.skip(message)

"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the meeting page."""

import os
import shutil

import pytest

from tests.realtime.conftest import backend, server, server_env  # noqa: F401  (shared server fixtures)
from tests.support.components import require_component

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        require_component("Chromium", f"{CHROMIUM} is missing (make test installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser):
    contexts = []

    def open_page():
        context = browser.new_context(permissions=["camera", "microphone"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()

"""Browser tests: a real ``orchestrix serve`` process and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (the Debian
package, which ``.ci/run`` installs). Locally a missing Chromium skips these tests; under
``CI=true`` it fails them.

The tests use Playwright's async API in pytest-asyncio's per-test event loop, like every other
async test of the suite. The sync API must not be used here: it runs a loop of its own and, while
it is open, the thread counts as inside a running loop, so asyncio tests that run meanwhile (or
after a fixture that kept it open) fail with "Runner.run() cannot be called from a running event
loop". ``no_event_loop_left_running`` checks that after every test of this directory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from tests.conftest import IN_CI
from tests.factories import server_env
from tests.servers import orchestrix_process

CHROMIUM = Path(os.environ.get("ORCHESTRIX_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OWNER = "local-user"


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the browser tests must run)")
    pytest.skip(message)


@dataclass
class Served:
    """A running ``orchestrix serve``: its base URL and its log file."""

    url: str
    log: Path

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def start_serve(data_dir: Path, **env_extra: str) -> Iterator[Served]:
    env = server_env(data_dir, ORCHESTRIX_DEPLOY_TARGET="local", **env_extra)
    with orchestrix_process("serve", env=env, cwd=data_dir) as running:
        yield Served(running.url, running.log)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``orchestrix serve`` per test module, SQLite in a fresh data directory, deploys
    going to the ``local`` target (the host mounted in the same process)."""
    yield from start_serve(tmp_path_factory.mktemp("serve"))


@pytest.fixture(autouse=True)
def no_event_loop_left_running() -> Iterator[None]:
    """After each test, no event loop may still run in this thread: one left running (as
    Playwright's sync API does while it is open) breaks every asyncio test that follows."""
    yield
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail(f"an event loop is still running after the test: {loop!r}")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium for one test, driven by the async API in the test's own event loop (closed
    with it, so nothing outlives the test)."""
    if not CHROMIUM.is_file():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class ConsoleLog:
    """What the page said on its console, and the errors it threw."""

    errors: list[str] = field(default_factory=list)
    resource_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} @ {message.location.get('url', '')}"
        # A fetch that answered 4xx/5xx is logged by the browser itself; tests that expect
        # one read resource_errors, every other error fails the test.
        if message.text.startswith("Failed to load resource"):
            self.resource_errors.append(text)
        else:
            self.errors.append(text)

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@dataclass
class Browsing:
    page: Page
    console: ConsoleLog
    served: Served


@pytest.fixture
async def browsing(browser: Browser, served: Served) -> AsyncIterator[Browsing]:
    """A fresh browser context (clipboard allowed) on the served dashboard."""
    context = await browser.new_context(
        viewport={"width": 1440, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
        base_url=served.url,
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    console = ConsoleLog()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    try:
        yield Browsing(page, console, served)
    finally:
        await context.close()

"""Real-browser test harness: a `solara run` server driven by Playwright and Debian's Chromium.

The server listens on a free loopback port; Playwright cannot download its own browsers here,
so it launches /usr/bin/chromium.

One sync Playwright and one browser are shared by the whole session (two sync Playwright
instances in one process fail); every test gets a fresh browser context, i.e. a new page
with its own server-side session.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from sim.ui.guide import GUIDED_LABEL
from sim.ui.serve import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
APP_TIMEOUT = 30_000  # ms for the app to appear after navigation
GUIDE_PAUSE = re.compile("Make a prediction|the answer is known")  # a guided lesson's pauses


def pytest_collection_modifyitems(items):
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.skip(
            "Debian chromium is not installed (run `make chromium` or apt-get install chromium)"
        )
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """URL of a `solara run sim/ui/app.py` server on a free loopback port."""
    _chromium()
    from sim.ui.serve import free_port, spawn, stop

    port = free_port()
    log = tmp_path_factory.mktemp("solara") / "server.log"
    proc = spawn(ROOT / "sim" / "ui" / "app.py", port, log)
    yield f"http://127.0.0.1:{port}/"
    stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class AppPage:
    """A loaded app page plus the JS errors it raised."""

    def __init__(self, page, errors: list[str], failed: list[str]) -> None:
        self.page = page
        self.errors = errors
        self.failed = failed  # URLs the server answered with an error (e.g. a missing asset)

    @staticmethod
    def wait_for(check, what: str, timeout: float = 20.0):
        """Wait until check() is truthy; return it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = check()
            if got:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{what} never happened")

    def painted_t(self, index: int = 0) -> int:
        """The step last painted by the index-th space canvas."""
        el = self.page.locator(".swarm-space").nth(index)
        return int(el.get_attribute("data-t") or -1)

    def wait_t(self, predicate, index: int = 0, timeout: float = 10.0) -> int:
        """Wait until predicate(painted step) holds; return that step."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            t = self.painted_t(index)
            if predicate(t):
                return t
            time.sleep(0.05)
        raise AssertionError(f"painted step {self.painted_t(index)} never satisfied the condition")

    def play_to(self, step: int) -> None:
        """Play the lesson until 'pause at step' stops it at `step`, painted."""
        box = self.page.get_by_label("pause at step")
        box.fill(str(step))
        box.press("Enter")
        self.click("Play")
        at = re.compile(rf"paused at step {step}(\D|$)")
        notice = self.page.locator(".swarm-notice", has_text=at)
        end = time.monotonic() + 30
        while not notice.is_visible():  # (a guided lesson pauses by itself: Play on through it)
            if self.continue_guided():
                continue
            assert time.monotonic() < end, f"Play never paused at step {step}"
            time.sleep(0.05)
        self.wait_t(lambda t: t == step)

    def unguided(self) -> None:
        """Untick *guided* (sim/ui/guide.py): Play no longer pauses for the lesson's guide."""
        box = self.page.get_by_label(GUIDED_LABEL)
        assert box.is_checked()  # on by default for a lesson with a guide
        self.page.get_by_text(GUIDED_LABEL, exact=True).click()
        for _ in range(100):  # (the server answers the click)
            if not box.is_checked():
                return
            self.page.wait_for_timeout(50)
        raise AssertionError("guided mode stayed on")

    def continue_guided(self) -> bool:
        """If a guided lesson paused Play (sim/ui/guide.py), press Play again; True if so."""
        guided = self.page.locator(".swarm-notice", has_text=GUIDE_PAUSE)
        if not guided.is_visible():
            return False
        self.click("Play")
        guided.wait_for(state="detached")
        return True

    def click(self, name: str) -> None:
        """Click the button with this exact text."""
        self.page.get_by_role("button", name=name, exact=True).click()

    def log_text(self) -> str:
        """The event log's text."""
        return "\n".join(self.page.locator(".swarm-log").all_inner_texts())


def open_app(browser, url: str, width: int = 1400, height: int = 1000) -> AppPage:
    """Open the app in a fresh context and wait for the first painted frame."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(url)
    page.locator(".swarm-space[data-t]").first.wait_for(timeout=APP_TIMEOUT)
    return AppPage(page, errors, failed)


@pytest.fixture
def another_app(browser, server):
    """A second page on the same server (another browser session)."""
    a = open_app(browser, server)
    yield a
    a.page.context.close()


@pytest.fixture
def app(browser, server):
    """A freshly loaded app page (its own server-side session)."""
    a = open_app(browser, server)
    yield a
    a.page.context.close()


@pytest.fixture
def narrow_app(browser, server):
    """The app in an 800×600 window (below the sidebar's breakpoint)."""
    a = open_app(browser, server, width=800, height=600)
    yield a
    a.page.context.close()


@pytest.fixture
def projector_app(browser, server):
    """The app at a classroom projector's 1280×720."""
    a = open_app(browser, server, width=1280, height=720)
    yield a
    a.page.context.close()

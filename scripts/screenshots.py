"""Screenshots of the UI for docs/: the default lesson just after its leader drops out.

Usage: ``.venv/bin/python scripts/screenshots.py`` (needs Debian's chromium). Writes
docs/screenshot-1280x720.png, docs/screenshot-1440x900.png,
docs/screenshot-presenter-1280x720.png (presenter mode, the banners of the recovery) and
docs/screenshot-messages-1280x720.png (the election's messages, roles, a selected agent's
ghost of its leader); ``scripts/screenshots.py messages`` takes only the last one.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sim.ui.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, spawn, stop

STOP_AT = 330  # the lesson's leader drops out at 300; its successor is elected at 328
ELECTION_AT = 318  # ... and in between its followers campaign and vote (lowest_id rounds)
SELECTED = 6  # the agent whose beliefs the messages screenshot shows


def shoot(browser, url: str, width: int, height: int, out: Path, presenter: bool) -> None:
    """Load the page, play the default lesson to STOP_AT, save a screenshot."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url)
    page.locator(".swarm-space[data-t]").first.wait_for(timeout=60_000)
    box = page.get_by_label("pause at step")
    box.fill(str(STOP_AT))
    box.press("Enter")
    if presenter:
        page.get_by_role("button", name="Presenter", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        f"document.querySelector('.swarm-space').dataset.t === '{STOP_AT}'", timeout=60_000
    )
    page.wait_for_timeout(800)  # the charts and log catch up after Pause
    page.screenshot(path=str(out))
    page.context.close()
    print(f"wrote {out}")


def shoot_messages(browser, url: str, out: Path) -> None:
    """The default lesson paused mid-election, one agent selected (shift-click), 1280×720."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(url)
    page.locator(".swarm-space[data-t]").first.wait_for(timeout=60_000)
    box = page.get_by_label("pause at step")
    box.fill(str(ELECTION_AT))
    box.press("Enter")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        f"document.querySelector('.swarm-space').dataset.t === '{ELECTION_AT}'", timeout=60_000
    )
    page.wait_for_timeout(800)
    x, y = page.evaluate(
        f"""(() => {{
          const vm = document.querySelector('.swarm-space').swarm, f = vm.current, v = vm.v;
          const i = {SELECTED - 1};
          return [v.X(f.xy[2 * i]) / v.dpr, v.Y(f.xy[2 * i + 1]) / v.dpr];
        }})()"""
    )
    canvas = page.locator(".swarm-space canvas")
    canvas.click(position={"x": x, "y": y}, modifiers=["Shift"])
    page.wait_for_function(
        f"document.querySelector('.swarm-space').dataset.selected === '{SELECTED}'"
    )
    page.wait_for_timeout(1000)  # the pulses have travelled
    page.screenshot(path=str(out))
    page.context.close()
    print(f"wrote {out}")


def main() -> int:
    """Serve the app on a free loopback port and take the three screenshots."""
    from playwright.sync_api import sync_playwright  # deferred: a dev-only dependency

    port = free_port()
    proc = spawn(ROOT / "sim/ui/app.py", port, Path(tempfile.mkdtemp()) / "server.log")
    docs = ROOT / "docs"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            url = f"http://127.0.0.1:{port}/"
            shoot_messages(browser, url, docs / "screenshot-messages-1280x720.png")
            if sys.argv[1:] == ["messages"]:
                browser.close()
                return 0
            shoot(browser, url, 1280, 720, docs / "screenshot-1280x720.png", False)
            shoot(browser, url, 1440, 900, docs / "screenshot-1440x900.png", False)
            shoot(browser, url, 1280, 720, docs / "screenshot-presenter-1280x720.png", True)
            browser.close()
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())

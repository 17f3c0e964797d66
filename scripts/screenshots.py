"""Screenshots of the UI for docs/: the default lesson just after its leader drops out.

Usage: ``.venv/bin/python scripts/screenshots.py`` (needs Debian's chromium). Writes
docs/screenshot-1280x720.png, docs/screenshot-1440x900.png,
docs/screenshot-presenter-1280x720.png (presenter mode, the banners of the recovery),
docs/screenshot-messages-1280x720.png (the election's messages, roles, a selected agent's
ghost of its leader), docs/screenshot-timeline-1280x720.png (played to step 360, then back to
the leader-lost mark of the timeline under the view: step 300, the new leader's marks still
ahead) and docs/screenshot-seeds-1280x720.png (the Many seeds card: the lesson vs 50 % message
loss on 20 seeds; it takes a few minutes), docs/screenshot-branch-1280x720.png (branched at
step 200, B with 60 % message loss, played on past the leader's dropout at 300),
docs/screenshot-guided-1280x720.png and docs/screenshot-guided-result-1280x720.png (guided mode:
the prediction card at the leader's loss with the class's pick, the result card at the mission's
end; the same in presenter mode as docs/screenshot-guided-presenter-*).
``scripts/screenshots.py messages`` (or ``branch``, or ``guided``) takes only those. Run it from
the checkout with ``PYTHONPATH=.`` so that it serves and writes there.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from sim.ui.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, spawn, stop

STOP_AT = 330  # the lesson's leader drops out at 300; its successor is elected at 328
ELECTION_AT = 318  # ... and in between its followers campaign and vote (lowest_id rounds)
SELECTED = 6  # the agent whose beliefs the messages screenshot shows
BRANCH_AT, BRANCH_END = 200, 340  # the branch screenshot: fork here, play on to there
GUIDE_PAUSE = re.compile("Make a prediction|the answer is known")  # the guided lesson's pauses


def _open(browser, url: str, width: int, height: int):
    """A new page of the app at this viewport, once its space view has drawn."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url)
    page.locator(".swarm-space[data-t]").first.wait_for(timeout=60_000)
    return page


def _save(page, out: Path) -> None:
    page.screenshot(path=str(out))
    page.context.close()
    print(f"wrote {out}")


def shoot(
    browser,
    url: str,
    width: int,
    height: int,
    out: Path,
    presenter: bool,
    stop_at: int = STOP_AT,
    rewind: bool = False,
) -> None:
    """Load the page, play the default lesson to `stop_at`, save a screenshot.

    With `rewind`, first click the timeline's leader-lost mark (back to the leader's dropout).
    """
    page = _open(browser, url, width, height)
    if presenter:
        page.get_by_role("button", name="Presenter", exact=True).click()
    _play_to(page, stop_at)
    shows = "(t) => document.querySelector('.swarm-status').innerText.startsWith('t=' + t + ' ')"
    page.wait_for_function(shows, arg=stop_at, timeout=30_000)
    page.locator(".swarm-notice").wait_for(timeout=30_000)  # "paused at step N"
    page.wait_for_timeout(800)  # the charts and log catch up after Pause
    if rewind:
        page.locator(".swarm-mark[data-kind=lost]").click()
        page.wait_for_function(shows, arg=300, timeout=30_000)
        page.evaluate("document.querySelector('.swarm-controls').scrollIntoView()")
        page.mouse.move(0, 0)
        page.wait_for_timeout(800)
    _save(page, out)


def _play_to(page, step: int) -> None:
    """Set *pause at step*, press Play (on through guided pauses) until `step` is painted."""
    box = page.get_by_label("pause at step")
    box.fill(str(step))
    box.press("Enter")
    page.get_by_role("button", name="Play", exact=True).click()
    _play_through_guide(page, step)
    page.wait_for_function(
        f"document.querySelector('.swarm-space').dataset.t === '{step}'", timeout=60_000
    )


def _play_through_guide(page, stop_at: int) -> None:
    """Press Play again whenever the guided lesson pauses (sim/ui/guide.py) before `stop_at`."""
    guided = page.locator(".swarm-notice", has_text=GUIDE_PAUSE)
    at = f"document.querySelector('.swarm-space').dataset.t === '{stop_at}'"
    for _ in range(2000):
        if page.evaluate(at):
            return
        if (
            guided.is_visible()
            and int(page.locator(".swarm-space").first.get_attribute("data-t")) < stop_at
        ):
            page.get_by_role("button", name="Play", exact=True).click()
            guided.wait_for(state="detached")
        page.wait_for_timeout(50)


def shoot_guided(browser, url: str, width: int, height: int, out: Path, presenter: bool) -> None:
    """The default lesson, guided: the prediction card at the loss, then the result card.

    The class picks C at the loss (`out`); the mission's end goes beside it as ``-result``.
    """
    page = _open(browser, url, width, height)
    if presenter:
        page.get_by_role("button", name="Presenter", exact=True).click()
    play = page.get_by_role("button", name="Play", exact=True)
    play.click()
    card = page.locator(".swarm-guide-prediction")
    card.wait_for(timeout=60_000)
    page.locator(".swarm-notice", has_text="Make a prediction").wait_for(timeout=30_000)
    card.locator(".swarm-guide-choice").nth(2).click()
    page.locator(".swarm-guide-prediction", has_text="The class picked C").wait_for()
    page.mouse.move(0, 0)
    page.wait_for_timeout(800)  # the charts and log catch up after the pause
    page.screenshot(path=str(out))
    print(f"wrote {out}")
    play.click()
    page.locator(".swarm-notice", has_text="the answer is known").wait_for(timeout=60_000)
    play.click()
    page.locator(".swarm-guide-result").wait_for(timeout=120_000)
    page.mouse.move(0, 0)
    page.wait_for_timeout(800)
    _save(page, out.with_name(out.stem.replace("-1280", "-result-1280") + out.suffix))


def shoot_guided_pairs(browser, url: str, docs: Path, presenter_only: bool = False) -> None:
    """Guided mode's cards at 1280×720, with the sidebar and in presenter mode."""
    if not presenter_only:
        shoot_guided(browser, url, 1280, 720, docs / "screenshot-guided-1280x720.png", False)
    shoot_guided(browser, url, 1280, 720, docs / "screenshot-guided-presenter-1280x720.png", True)


def shoot_seeds(browser, url: str, out: Path) -> None:
    """The default lesson (A) vs 50 % message loss (B) on 20 seeds, in the Many seeds card."""
    page = _open(browser, url, 1280, 720)
    limit = page.get_by_label("Time limit (steps)", exact=True)
    limit.fill("1000")  # the mission takes ~900 steps
    limit.press("Enter")
    page.locator(".v-select", has_text="setting").first.click()
    page.get_by_role("option", name="Message loss · message_loss").click()
    value = page.get_by_label("value in swarm B", exact=True)
    value.fill("0.5")
    value.press("Enter")
    page.get_by_role("button", name="Compare", exact=True).click()
    card = page.locator(".v-card", has_text="Many seeds").last
    card.get_by_text("vs B (message_loss=0.5)").wait_for()
    count = card.get_by_label("number of seeds", exact=False)
    count.fill("20")
    count.press("Enter")
    page.get_by_role("button", name="Run seeds", exact=True).click()
    page.locator(".swarm-seeds-result img").wait_for(timeout=900_000)
    page.locator(".swarm-seeds-result").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    _save(page, out)


def shoot_messages(browser, url: str, out: Path) -> None:
    """The default lesson paused mid-election, one agent selected (shift-click), 1280×720."""
    page = _open(browser, url, 1280, 720)
    _play_to(page, ELECTION_AT)
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
    _save(page, out)


def shoot_branch(browser, url: str, out: Path) -> None:
    """The default lesson branched at step 200 (B: message loss 0.6), played on to 340."""
    page = _open(browser, url, 1280, 720)
    for step in (BRANCH_AT, BRANCH_END):
        _play_to(page, step)
        page.locator(".swarm-notice").wait_for(timeout=30_000)  # "paused at step N"
        if step == BRANCH_AT:
            page.locator(".v-select", has_text="B gets").click()
            page.get_by_role("option", name="change a parameter").click()
            value = page.get_by_label("new value in B", exact=False)
            value.fill("0.6")
            value.press("Enter")
            page.get_by_role("button", name=f"Branch here (t={BRANCH_AT})").click()
            page.locator(".swarm-space").nth(1).wait_for()
    page.wait_for_timeout(800)  # the charts and log catch up after Pause
    page.locator(".swarm-branch").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.swarm-controls').scrollIntoView()")
    page.mouse.move(0, 0)
    _save(page, out)


def main() -> int:
    """Serve the app on a free loopback port and take the seven screenshots."""
    from playwright.sync_api import sync_playwright  # deferred: a dev-only dependency

    port = free_port()
    proc = spawn(ROOT / "sim/ui/app.py", port, Path(tempfile.mkdtemp()) / "server.log")
    docs = ROOT / "docs"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            url = f"http://127.0.0.1:{port}/"
            if sys.argv[1:] == ["branch"]:
                shoot_branch(browser, url, docs / "screenshot-branch-1280x720.png")
                browser.close()
                return 0
            if sys.argv[1:2] == ["guided"]:
                shoot_guided_pairs(browser, url, docs, presenter_only=sys.argv[2:] == ["presenter"])
                browser.close()
                return 0
            shoot_messages(browser, url, docs / "screenshot-messages-1280x720.png")
            if sys.argv[1:] == ["messages"]:
                browser.close()
                return 0
            shoot(browser, url, 1280, 720, docs / "screenshot-1280x720.png", False)
            shoot(browser, url, 1440, 900, docs / "screenshot-1440x900.png", False)
            shoot(browser, url, 1280, 720, docs / "screenshot-presenter-1280x720.png", True)
            out = docs / "screenshot-timeline-1280x720.png"
            shoot(browser, url, 1280, 720, out, False, stop_at=360, rewind=True)
            shoot_branch(browser, url, docs / "screenshot-branch-1280x720.png")
            shoot_guided_pairs(browser, url, docs)
            shoot_seeds(browser, url, docs / "screenshot-seeds-1280x720.png")
            browser.close()
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())

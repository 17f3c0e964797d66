"""UI speed benchmark: displayed steps per second during Play, in headless Chromium.

Measures this project's canvas view (``sim/ui/app.py``) and Mesa's stock matplotlib space view
(``sim/ui/mesa_baseline.py``, SolaraViz with its smallest play interval) on the same model, in
the same run, at N = 50, 1,000 and 10,000, with every step drawn (render interval 1), against
the classroom targets (`TARGETS`).

* canvas view: steps the browser actually painted (recorded in the page as each is drawn),
  and whether any step was skipped (painted steps must be consecutive).
* Mesa view: new images the browser received (each ``<img>`` source change is one step).

Usage: ``python -m sim.bench.ui [--seconds 6] [--repeats 3] [--sizes 50 1000 10000]``
(or ``make bench-ui``). Needs Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sim.params import specs
from sim.ui.guide import GUIDED_LABEL
from sim.ui.params_ui import label_of
from sim.ui.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, spawn, stop

WARMUP = 1.5  # s of Play before counting
TARGETS = {50: 55.0, 1000: 50.0, 10_000: 20.0}  # painted steps/s the classroom UI must reach
SETTLE = 3.0  # s after Mesa's page appears before pressing Play
RECORD_PAINTS = """() => {
  // every step the canvas paints, in order (its event_drawn callback gets [run, t])
  const vm = document.querySelector('.swarm-space').swarm;
  window.__painted = [];
  const drawn = vm.drawn;
  vm.drawn = (runT) => { window.__painted.push(runT[1]); drawn(runT); };
}"""
COUNT_IMAGES = """() => {
  window.__imgs = 0;
  new MutationObserver((ms) => { for (const m of ms) if (m.type === 'attributes'
      || [...m.addedNodes].some((n) => n.tagName === 'IMG')) window.__imgs += 1; })
    .observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ['src']});
}"""


def _open(browser, url: str, ready: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=60_000)
    return page


def canvas_rate(browser, url: str, n: int, seconds: float) -> tuple[float, bool]:
    """Painted steps/s of our canvas view at `n` agents; and whether every step was painted."""
    page = _open(browser, url, ".swarm-space[data-t]")
    box = page.get_by_label(label_of(specs()["n_agents"]), exact=True)
    box.fill(str(n))
    box.press("Enter")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_function(f"document.querySelector('.swarm-status').innerText.includes('/{n} ')")
    # a speed measurement, not a class: no guided pause at the leader's loss (step 300)
    page.get_by_text(GUIDED_LABEL, exact=True).click()
    if not page.get_by_label("messages", exact=True).is_checked():  # the default view's pulses
        raise RuntimeError("the message pulses are off: the targets hold with them on")
    page.evaluate(RECORD_PAINTS)
    page.get_by_role("button", name="Play", exact=True).click()
    time.sleep(WARMUP)
    n0, c0 = page.evaluate("window.__painted.length"), time.perf_counter()
    time.sleep(seconds)
    n1, c1 = page.evaluate("window.__painted.length"), time.perf_counter()
    page.get_by_role("button", name="Pause", exact=True).click()
    steps = page.evaluate("window.__painted")
    page.context.close()
    gaps = sum(1 for a, b in zip(steps, steps[1:], strict=False) if b > a + 1)
    print(
        f"  canvas N={n}: painted {n1 - n0} steps in the window; skipped steps: {gaps}", flush=True
    )
    return (n1 - n0) / (c1 - c0), gaps == 0


def mesa_rate(browser, url: str, seconds: float) -> float:
    """New images per second shown by Mesa's matplotlib space view during Play."""
    page = _open(browser, url, "img")
    page.evaluate(COUNT_IMAGES)
    time.sleep(SETTLE)  # a click before SolaraViz has wired its buttons is lost
    start = model_time(page)
    page.get_by_role("button", name="▶").click()
    if not wait_until(lambda: model_time(page) > start, 20.0):
        raise RuntimeError("Mesa's Play did not start")
    time.sleep(WARMUP)
    i0, c0, s0 = page.evaluate("window.__imgs"), time.perf_counter(), model_time(page)
    time.sleep(seconds)
    i1, c1, s1 = page.evaluate("window.__imgs"), time.perf_counter(), model_time(page)
    if i1 == i0:
        page.screenshot(path="/tmp/bench-ui-mesa.png")
    page.context.close()  # no Pause click: the page re-renders too often to click reliably
    print(f"  mesa: {i1 - i0} new images, model advanced {s1 - s0:g} steps", flush=True)
    if s1 == s0:
        raise RuntimeError("Mesa's Play stopped by itself (see /tmp/bench-ui-mesa.png)")
    return (i1 - i0) / (c1 - c0)


def wait_until(condition, timeout: float) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; return whether it held."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def model_time(page) -> float:
    """The model time shown in SolaraViz's Information card."""
    text = page.get_by_text("Time:").first.inner_text()
    return float(text.split(":")[1])


def run(sizes: list[int], seconds: float, repeats: int) -> dict:
    """Measure both views at each size; return {(view, n): [rates]} and print a table."""
    from playwright.sync_api import sync_playwright  # deferred: a dev-only dependency

    logs = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    results: dict = {}
    procs = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            port = free_port()
            procs.append(spawn(ROOT / "sim/ui/app.py", port, logs / "canvas.log"))
            ours = f"http://127.0.0.1:{port}/"
            for n in sizes:
                for _ in range(repeats):
                    rate, complete = attempt(canvas_rate, browser, ours, n, seconds)
                    results.setdefault(("canvas", n), []).append(rate)
                    results.setdefault(("complete", n), []).append(complete)
                    # a fresh Mesa server per run: its model is shared by every page, and a
                    # closed page's Play loop can keep stepping it for a while
                    port = free_port()
                    log = logs / f"mesa{n}-{len(results[('canvas', n)])}.log"
                    proc = spawn(
                        ROOT / "sim/ui/mesa_baseline.py", port, log, {"SWARM_BENCH_N": str(n)}
                    )
                    try:
                        mesa = attempt(mesa_rate, browser, f"http://127.0.0.1:{port}/", seconds)
                    finally:
                        stop(proc)
                    results.setdefault(("mesa", n), []).append(mesa)
        finally:
            browser.close()
            for p in procs:
                stop(p)
    report(results, sizes)
    return results


def attempt(measure, *args):
    """Run one measurement; a failure is reported and counted as no result (None)."""
    try:
        return measure(*args)
    except Exception as exc:  # noqa: BLE001 - one bad run must not lose the others
        print(f"  run failed: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
        return (None, False) if measure is canvas_rate else None


def report(results: dict, sizes: list[int]) -> None:
    """Print medians, the ratio, and whether every step was painted."""
    print("canvas view as a class sees it: message pulses and trails on, every step drawn")
    print(
        f"{'N':>6} {'canvas steps/s':>15} {'target':>7} {'mesa mpl steps/s':>17} {'ratio':>7}"
        "  every step painted"
    )
    for n in sizes:
        ours = _median(results[("canvas", n)])
        mesa = _median(results[("mesa", n)])
        ratio = ours / mesa if mesa else float("nan")
        target = f">= {TARGETS[n]:g}" if n in TARGETS else "-"
        print(
            f"{n:>6} {ours:>15.1f} {target:>7} {mesa:>17.1f} {ratio:>6.1f}x"
            f"  {all(results[('complete', n)])}"
        )
    for key, rates in sorted(results.items(), key=str):
        if key[0] != "complete":
            shown = ", ".join("failed" if r is None else f"{r:.1f}" for r in rates)
            print(f"  runs {key[0]:>6} N={key[1]:<4}: {shown}")


def _median(rates: list) -> float:
    good = [r for r in rates if r is not None]
    return statistics.median(good) if good else float("nan")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench.ui", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="counting window per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(TARGETS))
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} is missing: run `make chromium`", file=sys.stderr)
        return 1
    run(args.sizes, args.seconds, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

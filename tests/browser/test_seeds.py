"""The Many seeds card in a real browser: A vs B on 20 paired seeds while the page stays live."""

from __future__ import annotations

import csv
import re
import time

import pytest

from sim.research.paired import MAX_SEEDS, MIN_SEEDS

pytestmark = pytest.mark.timeout(240)
SHORT_RUN = {"Time limit (steps)": "160", "Leader drops out (step)": "100"}  # ~0.3 s a run


def seeds_card(app):
    """The Many seeds card."""
    return app.page.locator(".v-card", has_text="Many seeds").last


def set_param(app, label: str, value: str) -> None:
    """Type a parameter's value (it applies on Reset; Many seeds reads it at Run)."""
    box = app.page.get_by_label(label, exact=True)
    if not box.is_visible():
        app.page.locator(".v-expansion-panel-header", has_text="failures").click()
    box.fill(value)
    box.press("Enter")


def progress_text(app) -> str:
    """'k/n runs' under the progress bar ('' once it is gone)."""
    texts = app.page.locator(".swarm-seeds-progress").all_inner_texts()  # (does not wait)
    return texts[0] if texts else ""


def test_many_seeds_runs_a_vs_b_in_the_background_and_exports_the_rows(app):
    """20 seeds of A vs B: the bar moves, Step still works meanwhile, the spread and CSV appear.

    A setting changed during the batch does not reach it (every row has the time limit at Run).
    """
    for label, value in SHORT_RUN.items():
        set_param(app, label, value)
    app.click("Compare")  # B: election=none (the compare card's default)
    app.page.locator(".swarm-space").nth(1).wait_for()
    card = seeds_card(app)
    card.get_by_text("vs B (election=none)").wait_for()
    box = card.get_by_label(f"number of seeds ({MIN_SEEDS}–{MAX_SEEDS})")
    box.fill("20")
    box.press("Enter")
    app.click("Run seeds")
    app.page.locator(".swarm-seeds-progress").wait_for()
    seen = {progress_text(app)}
    app.click("Step")  # the live swarms answer while the batch runs
    app.wait_t(lambda t: t == 1, index=0)
    app.wait_t(lambda t: t == 1, index=1)
    set_param(app, "Time limit (steps)", "170")  # the batch runs on the settings at Run
    during = progress_text(app)
    assert during and not during.startswith("40/"), "the batch was over before Step answered"
    end = time.monotonic() + 180
    while time.monotonic() < end and progress_text(app):
        seen.add(progress_text(app))
        time.sleep(0.1)
    assert len(seen) >= 3, seen  # the bar moved (several counts seen)
    result = app.page.locator(".swarm-seeds-result")
    result.locator("img").wait_for()
    assert "seeds 1–20" in result.inner_text()  # from the lesson's seed
    lines = result.locator(".swarm-seeds-line").all_inner_texts()
    assert len(lines) == 2
    assert lines[0].startswith("A: election=lowest_id") and lines[1].startswith("B: election=none")
    assert all("success" in line and "/20)" in line for line in lines)
    assert "never: 20/20" in lines[1]  # nobody takes over without an election
    with app.page.expect_download() as info:
        result.get_by_role("button", name="CSV of the runs").click()
    with open(info.value.path(), newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40
    assert {r["setting"] for r in rows} == {"A", "B"}
    assert {int(r["seed"]) for r in rows} == set(range(1, 21))  # the lesson's seed 1 onwards
    assert {r["max_steps"] for r in rows} == {"160"} and all(r["version"] for r in rows)
    assert app.errors == [], (app.errors, app.failed)


def test_a_bad_number_of_seeds_is_refused_inline(app):
    """5 seeds: an inline message names the range; nothing runs and the page stays up."""
    card = seeds_card(app)
    card.get_by_text("No comparison set").wait_for()
    box = card.get_by_label(f"number of seeds ({MIN_SEEDS}–{MAX_SEEDS})")
    box.fill("5")
    box.press("Enter")
    app.click("Run seeds")
    card.locator(".v-messages", has_text=f"[{MIN_SEEDS}, {MAX_SEEDS}]").wait_for()
    assert app.page.locator(".swarm-seeds-progress").count() == 0
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    assert app.errors == []


def test_cancel_stops_the_batch_and_keeps_the_runs_done(app):
    """Cancel during a batch: the bar goes, Run is offered again, the note says what ran."""
    for label, value in SHORT_RUN.items():
        set_param(app, label, value)
    box = seeds_card(app).get_by_label(f"number of seeds ({MIN_SEEDS}–{MAX_SEEDS})")
    box.fill(str(MAX_SEEDS))
    box.press("Enter")
    app.click("Run seeds")
    # some runs done (the bar may skip counts between two renders), the batch not yet over
    some = re.compile(r"\b[1-9]\d*/\d+ runs")
    app.page.locator(".swarm-seeds-progress", has_text=some).wait_for(timeout=120_000)
    app.click("Cancel")
    note = app.page.locator(".swarm-seeds-result", has_text="cancelled after")
    note.wait_for(timeout=30_000)
    done = int(note.inner_text().split("cancelled after ")[1].split(" ")[0])
    assert 1 <= done < MAX_SEEDS  # A alone (no comparison): one run per seed
    assert app.page.locator(".swarm-seeds-progress").count() == 0
    assert app.page.get_by_role("button", name="Run seeds", exact=True).is_enabled()
    assert app.errors == []

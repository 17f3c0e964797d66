"""The Many seeds card's figure: recovery spread with never-recovered runs apart, success shares."""

from __future__ import annotations

import math

import pandas as pd
import pytest

pytest.importorskip("solara")

from sim.ui.seeds import RECOVERY, SUCCESS, outcomes, present, spread_figure  # noqa: E402

LABELS = {"A": "A: election=lowest_id", "B": "B: election=none"}


def rows() -> pd.DataFrame:
    """Ten runs each: A recovers 28-32 steps and succeeds 8 times; B never recovers, fails."""
    a = [
        {"setting": "A", "seed": s, "status": "ok", RECOVERY: 28.0 + s % 5, SUCCESS: s < 8}
        for s in range(10)
    ]
    b = [
        {"setting": "B", "seed": s, "status": "ok", RECOVERY: math.inf, SUCCESS: False}
        for s in range(10)
    ]
    failed = [{"setting": "B", "seed": 10, "status": "failed", RECOVERY: None, SUCCESS: None}]
    return pd.DataFrame(a + b + failed)


def test_outcomes_count_never_recovered_runs_apart_and_share_successes():
    """B's ten runs are 'never' (not in a mean); A's success is 8/10 with a Wilson interval."""
    stats = {k: v.set_index("setting") for k, v in outcomes(rows()).items()}
    rec, suc = stats[RECOVERY], stats[SUCCESS]
    assert rec.loc["A", "n"] == 10 and rec.loc["A", "never"] == 0
    assert rec.loc["B", "n"] == 0 and rec.loc["B", "never"] == 10  # the failed run is left out
    assert rec.loc["A", "lo"] < rec.loc["A", "mean"] == 30.0 < rec.loc["A", "hi"]
    assert suc.loc["A", "mean"] == pytest.approx(0.8) and suc.loc["A", "n"] == 10
    assert suc.loc["B", "lo"] == pytest.approx(0, abs=1e-9)
    assert 0 < suc.loc["B", "hi"] < 0.4  # Wilson: 0/10 still has an upper bound above 0


def test_figure_names_both_settings_and_the_never_counts():
    """The recovery axis labels say how many runs of A and of B never recovered."""
    fig = spread_figure(rows(), LABELS)
    rec, suc = fig.axes
    ticks = [t.get_text() for t in rec.get_yticklabels()]
    assert ticks == ["B\nnever\n10/10", "A\nnever\n0/10"]
    texts = [t.get_text() for t in suc.texts]
    assert sorted(texts) == ["0/10", "8/10"]


def test_a_cancelled_batch_with_only_a_is_drawn():
    """Cancelled before any B run finished: only A is drawn."""
    df = rows()
    only_a = df[df["setting"] == "A"].head(3)
    assert present(only_a, LABELS) == ["A"]
    fig = spread_figure(only_a, LABELS)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A\nnever\n0/3"]


def test_dark_mode_draws_light_ink_on_a_dark_background():
    """In dark mode the figure's background is dark and its labels light."""
    light, dark = spread_figure(rows(), LABELS), spread_figure(rows(), LABELS, dark=True)
    assert sum(dark.get_facecolor()[:3]) < 0.5 < sum(light.get_facecolor()[:3])
    assert dark.axes[0].get_yticklabels()[0].get_color() == "#ddd"
    assert light.axes[0].get_yticklabels()[0].get_color() == "#222"

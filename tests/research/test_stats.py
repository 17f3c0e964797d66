"""Intervals you can trust: Wilson for proportions, Student t for means, never-recovered counted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.research.stats import cell_text, mean_ci, proportion_ci, summarise, wilson_ci


def test_ten_successes_of_ten_do_not_give_a_point_interval():
    """10/10 successes: share 1 with a Wilson interval from about 0.72 (not '1 [1, 1]')."""
    df = pd.DataFrame({"mission_success": [True] * 10})
    (row,) = summarise(df, [], "mission_success").to_dict("records")
    assert row["mean"] == 1 and row["hi"] == pytest.approx(1)
    assert row["lo"] == pytest.approx(0.7225, abs=1e-3)
    assert cell_text(pd.Series(row), proportion=True) == "1 [0.722, 1] (10/10)"


def test_wilson_interval_of_no_success_and_of_nothing():
    """0/10 has an upper bound above 0 (about 0.28); 0 of 0 has no interval."""
    lo, hi = wilson_ci(0, 10)
    assert lo == pytest.approx(0, abs=1e-12) and hi == pytest.approx(0.2775, abs=1e-3)
    assert all(math.isnan(b) for b in wilson_ci(0, 0))
    assert proportion_ci([1, 0, 1, math.nan])[::3] == (2 / 3, 3)


def test_small_samples_get_a_student_t_interval():
    """Three values: the half-width is t(0.975, 2) · s / √3 (4.30, not the normal 1.96)."""
    mean, lo, hi, n = mean_ci([1.0, 2.0, 3.0])
    assert (mean, n) == (2.0, 3)
    assert hi - mean == pytest.approx(4.3027 / math.sqrt(3), rel=1e-4)
    assert mean - lo == pytest.approx(hi - mean)
    one = mean_ci([5.0, math.inf, math.nan])
    assert one[0] == 5.0 and one[3] == 1 and math.isnan(one[1]) and math.isnan(one[2])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_mean_interval_contains_the_mean(values):
    """The interval is centred on the sample mean and never narrower than zero."""
    mean, lo, hi, n = mean_ci(values)
    assert n == len(values) and lo <= mean <= hi
    assert mean - lo == pytest.approx(hi - mean, abs=1e-6 * (1 + abs(mean)))


def test_mean_interval_narrows_with_more_data():
    """100x the data gives a clearly narrower interval."""
    rng = np.random.default_rng(1)
    few, many = mean_ci(rng.random(20)), mean_ci(rng.random(2000))
    assert many[2] - many[1] < (few[2] - few[1]) / 3


def test_summarise_counts_runs_that_never_recovered():
    """Runs at inf count in `never` and the `recovered` share; NaN (nothing to recover) does not."""
    df = pd.DataFrame(
        {
            "a": [0] * 10 + [1] * 10 + [2] * 3,
            "m": [math.inf] * 10 + [10.0] * 8 + [math.inf] * 2 + [1.0, 3.0, math.nan],
        }
    )
    s = summarise(df, ["a"], "m").set_index("a")
    assert list(s["n"]) == [0, 8, 2] and list(s["never"]) == [10, 2, 0]
    assert list(s["runs"]) == [10, 10, 3] and list(s["recovered"]) == [0.0, 0.8, 1.0]
    assert s.loc[0, "recovered_hi"] == pytest.approx(0.2775, abs=1e-3)
    assert math.isnan(s.loc[0, "mean"]) and s.loc[2, "mean"] == 2.0
    assert cell_text(s.loc[0]) == "– (never: 10/10)"
    assert cell_text(s.loc[1]) == "10 [10, 10] (n=8); never: 2/10"
    assert cell_text(s.loc[2]).endswith("(n=2)")

"""Analysis: bootstrap intervals, line and heatmap figures, the Markdown table, `plot` command."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.research import plots
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A finished three-parameter sweep (2 × 2 × 2 grid, 3 seeds)."""
    out = tmp_path_factory.mktemp("results")
    exp = parse_experiment(
        {
            "name": "plots",
            "steps": 40,
            "seeds": 3,
            "params": {"n_agents": 4},
            "sweep": {
                "message_loss": [0.0, 0.3],
                "dropout_rate": [0.0, 0.02],
                "election": ["lowest_id", "none"],
            },
        }
    )
    run_sweep(exp, out, workers=1, progress=False)
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_bootstrap_interval_contains_the_mean(values):
    """The 95 % interval lies within the data's range and contains the sample mean."""
    mean, lo, hi, n = plots.bootstrap_ci(values)
    tol = 1e-6 * (1 + abs(mean))
    assert n == len(values) and min(values) - tol <= lo <= mean + tol
    assert mean - tol <= hi <= max(values) + tol


def test_bootstrap_ignores_non_finite_values():
    """Non-finite values (inf: never recovered; NaN: no completion) are left out of n."""
    mean, lo, hi, n = plots.bootstrap_ci([1.0, 3.0, math.inf, math.nan])
    assert (mean, n) == (2.0, 2)
    assert plots.bootstrap_ci([math.nan])[3] == 0


def test_bootstrap_is_reproducible_and_narrows_with_more_data():
    """Same data → same interval; 100x the data → a clearly narrower interval."""
    rng = np.random.default_rng(1)
    few, many = rng.random(20), rng.random(2000)
    assert plots.bootstrap_ci(few) == plots.bootstrap_ci(few)
    w_few = np.subtract(*plots.bootstrap_ci(few)[2:0:-1])
    w_many = np.subtract(*plots.bootstrap_ci(many)[2:0:-1])
    assert w_many < w_few / 3


def test_summarise_groups_by_parameters():
    """One row per group with its mean, interval, finite count and run count."""
    df = pd.DataFrame({"a": [0, 0, 1, 1], "m": [1.0, 3.0, 5.0, math.inf]})
    s = plots.summarise(df, ["a"], "m")
    assert list(s["mean"]) == [2.0, 5.0] and list(s["n"]) == [2, 1] and list(s["runs"]) == [2, 2]


def test_load_results_finds_swept_parameters_and_metrics(results):
    """Swept parameters come from the experiment; metrics are the summary fields with data."""
    df, swept, metrics = plots.load_results(results)
    assert swept == ["message_loss", "dropout_rate", "election"]
    assert "mission_success" in metrics and "final_active" in metrics
    assert df["mission_success"].isin([0, 1]).all()


def test_plot_all_writes_lines_heatmaps_and_table(results):
    """Every metric gets a figure per swept parameter and a heatmap; the table lists the grid."""
    metrics = ["mission_success", "final_active"]
    files = plots.plot_all(results, only=metrics)
    _, swept, _ = plots.load_results(results)
    pngs = [f for f in files if f.suffix == ".png"]
    assert len(pngs) == len(metrics) * (len(swept) + 1)
    assert all(f.stat().st_size > 5000 for f in pngs)
    table = (results / "table.md").read_text()
    assert table.count("\n| ") == 1 + 8  # header + one row per grid point
    assert "message_loss | dropout_rate | election | runs | mission_success |" in table


def test_roles_pick_a_categorical_hue_and_a_facet(results):
    """Against a number, lines split by the categorical parameter, panels by the other."""
    df, swept, _ = plots.load_results(results)
    assert plots.roles(df, swept, "message_loss") == ("election", "dropout_rate")
    assert plots.heat_axes(df, swept) == ("message_loss", "dropout_rate", "election")


def test_plot_command_on_a_folder_without_results(tmp_path):
    """`plot` on a folder without summary.csv raises FileNotFoundError naming the file."""
    with pytest.raises(FileNotFoundError, match="summary.csv"):
        plots.plot_command(type("Args", (), {"dir": str(tmp_path)})())


def test_model_does_not_import_matplotlib():
    """`import sim.model` (and the sweep runner, and the command line) leave matplotlib unloaded."""
    code = "import sys, sim.model, sim.research.sweep, sim.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

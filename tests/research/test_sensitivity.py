"""Sensitivity analysis: known Sobol' indices, Morris effects, the model, `swarm-sim analyze`."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import SwarmModel
from sim.cli import main
from sim.research.analyze import headline, run_values
from sim.research.design import Design
from sim.research.experiment import parse_experiment
from sim.research.sensitivity import (
    ishigami,
    matters,
    morris_indices,
    noise_warning,
    sobol_indices,
)
from sim.research.sweep import run_sweep

UNIT3 = {"x1": [0.0, 1.0], "x2": [0.0, 1.0], "x3": [0.0, 1.0]}


def test_ishigami_indices_match_the_known_values():
    """Our Sobol' design and analysis give Ishigami's S1 ≈ (0.314, 0.442, 0), ST ≈ (0.558, ...)."""
    design = Design("sobol", 1024, 1, UNIT3)
    table = sobol_indices(design.names, ishigami(design.unit_sample()))
    known_s1, known_st = [0.314, 0.442, 0.0], [0.558, 0.442, 0.244]
    assert np.abs(table["S1"] - known_s1).max() < 0.06
    assert np.abs(table["ST"] - known_st).max() < 0.06
    assert (np.abs(table["ST"] - known_st) <= table["ST_conf"] + 0.01).all()  # intervals cover
    assert matters(table) == ["x1", "x2", "x3"]  # x3 acts only through its interaction with x1


def test_noise_that_inflates_every_total_index_is_called_out():
    """Ishigami's ST (sum 1.24) pass; the same function plus run-to-run noise gets a caution."""
    design = Design("sobol", 256, 1, UNIT3)
    x = design.unit_sample()
    assert noise_warning(sobol_indices(design.names, ishigami(x))) is None
    noise = np.random.default_rng(5).normal(0.0, 6.0, len(x))  # a seed's own randomness
    noisy = sobol_indices(design.names, ishigami(x) + noise)
    assert noisy["ST"].sum() > 2.0
    assert "Caution: the total indices add up to" in noise_warning(noisy)
    report = {"indices": {"mission_success": noisy}, "skipped": {}}
    assert "(unresolved: see the caution)" in headline(report)
    report = {"indices": {"mission_success": sobol_indices(design.names, ishigami(x))}}
    assert "unresolved" not in headline({**report, "skipped": {}})


def test_morris_effects_of_a_linear_function_are_its_slopes():
    """For y = 3·x1 + 0·x2 + x3², μ* is 3 for x1 (σ 0), 0 for x2, and x2 does not matter."""
    design = Design("morris", 10, 3, UNIT3)
    x = design.unit_sample()
    table = morris_indices(design.names, x, 3 * x[:, 0] + x[:, 2] ** 2, design.levels)
    assert table.loc["x1", "mu_star"] == pytest.approx(3.0) and table.loc["x1", "sigma"] < 1e-9
    assert table.loc["x2", "mu_star"] == 0.0
    assert 0.5 < table.loc["x3", "mu_star"] < 1.5
    assert matters(table) == ["x1", "x3"]


NO_EFFECT = {
    "name": "no-effect",
    "steps": 60,
    "seeds": 1,
    "params": {"n_agents": 5, "coordination": "formation"},
    "design": {"kind": "sobol", "n": 8, "seed": 7},
    "ranges": {
        "leader_dropout_at": [5, 50],
        "election": ["raft", "none"],
        "informed_weight": [0.0, 5.0],  # the Couzin mode's pull only: no effect in formation
    },
}


def test_informed_weight_really_has_no_effect_in_formation():
    """Two formation runs differing only in informed_weight end with the same summary."""
    a = SwarmModel(n_agents=5, max_steps=60, leader_dropout_at=20, informed_weight=0.0, rng=3)
    b = SwarmModel(n_agents=5, max_steps=60, leader_dropout_at=20, informed_weight=5.0, rng=3)
    assert str(a.run()) == str(b.run())


@pytest.fixture(scope="module")
def no_effect(tmp_path_factory):
    """A finished Sobol' sweep over effective parameters and one without effect (48 short runs)."""
    out = tmp_path_factory.mktemp("no-effect")
    run_sweep(parse_experiment(NO_EFFECT), out, workers=1, progress=False)
    return out


def test_a_parameter_without_effect_gets_zero_indices_and_effective_ones_do_not(no_effect, capsys):
    """informed_weight: S1 = ST ≈ 0 for every metric; election and the loss's timing matter."""
    assert main(["analyze", str(no_effect)]) == 0
    out = capsys.readouterr().out
    assert "Parameters that matter" in out and "max_recovery_steps: election" in out
    text = (no_effect / "analysis.md").read_text()
    assert "averaged over the 1 seed(s) of each design point" in text
    assert "never recovered = the run's length" in text
    for metric in ("leaderless_steps", "max_recovery_steps", "recovered"):
        assert (no_effect / "figures" / f"sensitivity-{metric}.png").stat().st_size > 5000
        assert f"## {metric}" in text


def test_indices_of_the_no_effect_sweep(no_effect):
    """From the tables: informed_weight ≈ 0 everywhere; timing and election clearly above."""
    from sim.research.analyze import analyse

    report = analyse(no_effect)
    for table in report["indices"].values():
        assert abs(table.loc["informed_weight", "ST"]) < 0.01
        assert abs(table.loc["informed_weight", "S1"]) < 0.01
        assert "informed_weight" not in matters(table)
    assert report["indices"]["leaderless_steps"].loc["leader_dropout_at", "ST"] > 0.2
    assert report["indices"]["max_recovery_steps"].loc["election", "ST"] > 0.5
    assert "mission_success" in report["skipped"]  # 60 steps: no mission completes, no variance


def test_each_table_says_the_mean_and_spread_the_indices_divide_up(no_effect):
    """analysis.md gives each metric's mean and standard deviation over the design points."""
    from sim.research.analyze import analyse, markdown

    points = pd.read_csv(no_effect / "design.csv")
    summary = pd.read_csv(no_effect / "summary.csv").set_index("run_id")
    recovered = ~np.isinf(summary.loc[points["run_id"], "max_recovery_steps"].astype(float))
    text = markdown(analyse(no_effect))
    section = text[text.index("## recovered") :]
    expected = f"Over the 64 design points: mean {recovered.mean():.4g}, standard deviation "
    assert expected + f"{recovered.astype(float).std():.4g}, from 0 to 1." in section
    section = text[text.index("## max_recovery_steps") :]
    assert "Over the 64 design points (never recovered = the run's length" in section


def test_analyze_one_metric_and_an_unknown_one(no_effect, capsys):
    """--metric limits the analysis; an unknown metric exits 2 with one line naming the allowed."""
    assert main(["analyze", str(no_effect), "--metric", "recovered"]) == 0
    assert "## recovered" in (no_effect / "analysis.md").read_text()
    assert "## leaderless_steps" not in (no_effect / "analysis.md").read_text()
    capsys.readouterr()
    assert main(["analyze", str(no_effect), "--metric", "speediness"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown metric 'speediness' (allowed: mission_success" in err[0]


def test_analyze_refuses_a_grid_sweep_and_an_incomplete_one(tmp_path, no_effect, capsys):
    """A grid sweep and a sweep with unfinished design points are one-line errors, exit 2."""
    grid = {"name": "g", "steps": 5, "seeds": 1, "sweep": {"message_loss": [0.0, 0.1]}}
    run_sweep(parse_experiment(grid), tmp_path / "grid", workers=1, progress=False)
    assert main(["analyze", str(tmp_path / "grid")]) == 2
    assert "holds a grid sweep; analyze needs a [design] kind = 'sobol'" in capsys.readouterr().err
    part = tmp_path / "part"
    part.mkdir()
    for f in no_effect.iterdir():
        if f.is_file():
            (part / f.name).write_bytes(f.read_bytes())
    lines = (part / "summary.csv").read_text().splitlines(keepends=True)
    (part / "summary.csv").write_text("".join(lines[:10]))
    assert main(["analyze", str(part)]) == 2
    assert "of 64 design points have no successful run" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "none")]) == 2


def test_undefined_values_become_explicit_numbers():
    """Never recovered → the run length; never lost → 0; `recovered` marks the first as 0."""
    summary = pd.DataFrame(
        {
            "max_recovery_steps": [12.0, np.inf, np.nan],
            "completion_time": [400.0, np.nan, np.nan],
            "mission_success": ["True", "False", "False"],
        }
    )
    assert list(run_values(summary, "max_recovery_steps", 500)) == [12.0, 500.0, 0.0]
    assert list(run_values(summary, "recovered", 500)) == [1.0, 0.0, 1.0]
    assert list(run_values(summary, "completion_time", 500)) == [400.0, 500.0, 500.0]
    assert list(run_values(summary, "mission_success", 500)) == [1.0, 0.0, 0.0]


def test_the_command_line_does_not_import_salib():
    """`import sim.cli` leaves SALib (an optional, slow import) unloaded until analyze runs."""
    code = "import sys, sim.cli; print('SALib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_analyze_a_morris_sweep(tmp_path, capsys):
    """A Morris design gives μ* and σ per parameter, with a bar chart; no-effect μ* is 0."""
    exp = {
        **NO_EFFECT,
        "steps": 40,
        "params": {"n_agents": 5, "leader_dropout_at": 10},
        "design": {"kind": "morris", "n": 3, "seed": 2},
        "ranges": {"election": ["raft", "none"], "informed_weight": [0.0, 5.0]},
    }
    run_sweep(parse_experiment(exp), tmp_path, workers=1, progress=False)
    assert main(["analyze", str(tmp_path), "--metric", "recovered"]) == 0
    text = (tmp_path / "analysis.md").read_text()
    assert "| parameter | μ* | σ |" in text and "| informed_weight | 0.000 ± 0.000 | 0 |" in text
    assert "Matters: election." in text
    assert (tmp_path / "figures" / "sensitivity-recovered.png").exists()


def test_the_bar_chart_legend_sits_clear_of_the_bars(tmp_path, monkeypatch):
    """The legend is outside the axes, so it never hides the last bars' intervals."""
    import matplotlib.pyplot as plt

    from sim.research.analyze import bar_figure

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)  # keep the figure to measure it
    table = pd.DataFrame(
        {"S1": [0.1, 0.9], "S1_conf": [0.1, 0.1], "ST": [0.2, 1.0], "ST_conf": [0.1, 0.1]},
        index=["a", "b"],
    )
    bar_figure("m", table, tmp_path / "f.png")
    fig = kept[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1
    assert (tmp_path / "f.png").stat().st_size > 5000


def test_the_bar_chart_says_when_seed_noise_leaves_the_indices_unresolved(tmp_path, monkeypatch):
    """A noisy table's figure carries the caution in its title; a clean one does not."""
    import matplotlib.pyplot as plt

    from sim.research.analyze import bar_figure

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)
    clean = pd.DataFrame(
        {"S1": [0.1, 0.7], "S1_conf": [0.1, 0.1], "ST": [0.2, 0.8], "ST_conf": [0.1, 0.1]},
        index=["a", "b"],
    )
    noisy = clean.assign(ST=[1.4, 1.3])
    bar_figure("m", clean, tmp_path / "clean.png")
    bar_figure("m", noisy, tmp_path / "noisy.png")
    titles = [fig.axes[0].get_title() for fig in kept]
    assert "unresolved" not in titles[0]
    assert "unresolved: the ST add up to 2.7" in titles[1]

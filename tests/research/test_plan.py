"""`swarm-sim sweep FILE --dry-run`: the plan, its counts and a calibrated time; no file written."""

from __future__ import annotations

import os
import re
import tomllib

import pytest

from sim.cli import main
from sim.research import plan
from sim.research.experiment import load_experiment, parse_experiment
from sim.research.plots import plot_command
from sim.research.sweep import run_sweep

DESIGN_FILE = """
name = "planned"
steps = 200
seeds = 3
[params]
n_agents = 4
[design]
kind = "lhs"
n = 5
seed = 2
[ranges]
comm_range = [5, 40]
election = ["raft", "none"]
"""

GRID_FILE = """
name = "gridded"
steps = 50
seeds = [4, 9]
[sweep]
n_agents = [3, 6]
election = ["raft", "lowest_id", "none"]
"""


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_dry_run_prints_the_design_and_the_counts_and_writes_nothing(tmp_path, capsys, monkeypatch):
    """A design file: kind, points, seeds, runs and a time; no results folder, exit 0."""
    (tmp_path / "exp.toml").write_text(DESIGN_FILE)
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    assert main(["sweep", "exp.toml", "--dry-run", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "design: lhs: n = 5, design seed 2; ranges comm_range [5.0, 40.0]" in out
    assert "design points: 5, seeds: 3, runs: 15 (of up to 200 steps each)" in out
    assert re.search(r"estimated time: about \d+ s with 1 worker", out)
    assert "nothing was run or written" in out
    assert _files(tmp_path) == before == ["exp.toml"]


def test_dry_run_of_a_grid_counts_axes_and_seeds(tmp_path, capsys):
    """A grid file: its axes with their sizes, 6 points × 2 seeds = 12 runs; --out not created."""
    (tmp_path / "grid.toml").write_text(GRID_FILE)
    out_dir = tmp_path / "out"
    argv = ["sweep", str(tmp_path / "grid.toml"), "--dry-run", "--out", str(out_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "design: grid: n_agents (2) × election (3)" in out
    assert "design points: 6, seeds: 2, runs: 12" in out
    assert not out_dir.exists()


def test_dry_run_checks_the_options_like_a_sweep(tmp_path, capsys):
    """A bad --workers is the same one-line error, exit 2, as for a real sweep."""
    (tmp_path / "grid.toml").write_text(GRID_FILE)
    assert main(["sweep", str(tmp_path / "grid.toml"), "--dry-run", "--workers", "0"]) == 2
    assert "--workers must be an integer in [1," in capsys.readouterr().err


def test_the_estimate_counts_each_distinct_run_and_scales_with_steps_and_workers(monkeypatch):
    """Points resolving to one setting run once; cost = runs × (build + steps × step) / workers."""
    monkeypatch.setattr(plan, "calibrate", lambda runs, steps: (0.5, 0.01, 0.001))
    data = {"name": "e", "steps": 100, "seeds": 2, "params": {"n_agents": 10}}
    data["design"] = {"kind": "random", "n": 40, "seed": 1}
    data["ranges"] = {"election": ["raft", "none"]}  # 40 points, only 2 distinct settings
    exp = parse_experiment(data)
    est = plan.estimate(exp, workers=1)
    assert (est["points"], est["seeds"], est["runs"]) == (40, 2, 4)
    assert est["seconds"] == pytest.approx(4 * (0.5 + 100 * (0.01 + 0.001 * 10)))
    assert plan.estimate(exp, workers=2)["seconds"] == pytest.approx(est["seconds"] / 2)


def test_calibration_times_the_experiments_own_runs():
    """Calibration steps real models: positive costs, a non-negative cost per agent."""
    exp = parse_experiment({"name": "c", "steps": 30, "seeds": 1, "sweep": {"n_agents": [3, 40]}})
    build, base, per_agent = plan.calibrate(list(exp.runs()), 5)
    assert build > 0 and base >= 0 and per_agent >= 0 and base + 40 * per_agent > 0


def test_durations_read_naturally():
    """Seconds under 90, minutes under 90, hours after."""
    assert [plan.duration(s) for s in (12, 600, 4 * 3600)] == ["12 s", "10 min", "4.0 h"]


def test_dry_run_leaves_the_working_directory_alone_without_out(tmp_path, capsys, monkeypatch):
    """Without --out the default results/NAME is named but not created."""
    (tmp_path / "g.toml").write_text(GRID_FILE)
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "g.toml", "--dry-run"]) == 0
    assert "→ results/gridded" in capsys.readouterr().out
    assert os.listdir(tmp_path) == ["g.toml"]


def test_dry_run_counts_the_runs_already_done_in_the_results_folder(tmp_path, capsys):
    """With part of the sweep written, it says how many are done and estimates only the rest."""
    (tmp_path / "grid.toml").write_text(GRID_FILE.replace("steps = 50", "steps = 5"))
    exp = load_experiment(tmp_path / "grid.toml")
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    lines = (out / "summary.csv").read_text().splitlines(keepends=True)
    (out / "summary.csv").write_text("".join(lines[:6]) + lines[6][:20])  # 5 runs and a torn one
    before = (out / "summary.csv").read_bytes()
    argv = ["sweep", str(tmp_path / "grid.toml"), "--dry-run", "--out", str(out)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert f"already in {out}: 5 of these runs; `--resume` runs the other 7" in said
    assert (out / "summary.csv").read_bytes() == before  # read only: the torn line stays


ADAPTIVE_FILE = """
name = "adaptive"
steps = 30
seeds = { until_ci = 0.01, metric = "leaderless_steps", min = 2, max = 4, batch = 2 }
[params]
n_agents = 4
leader_dropout_at = 5
[sweep]
election = ["lowest_id", "none"]
"""


def _swept(tmp_path, text: str):
    """Run the experiment in `text` (parsed with its text, as from a file) into tmp_path/out."""
    exp = parse_experiment(tomllib.loads(text), text=text)
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    return out


def _drop_rows(out, k: int) -> None:
    lines = (out / "summary.csv").read_text().splitlines(keepends=True)
    (out / "summary.csv").write_text("".join(lines[:-k]))


def test_missing_runs_counts_a_sampled_design_by_its_points(tmp_path):
    """5 LHS points × 3 seeds = 15 runs; with 4 rows gone, 4 of 15 are missing.

    (Counted from the recorded seeds and grid alone, a design looked like 3 planned runs,
    all done: `plot` never warned on an incomplete design.)
    """
    out = _swept(tmp_path, DESIGN_FILE.replace("steps = 200", "steps = 20"))
    assert plan.missing_runs(out) == (0, 15, True)
    _drop_rows(out, 4)
    assert plan.missing_runs(out) == (4, 15, True)


def test_missing_runs_of_adaptive_seeds_replays_the_rounds(tmp_path, capsys):
    """A finished adaptive sweep misses nothing; a round with rows gone says how many it lacks.

    That count is a lower bound (later rounds depend on the missing results); `plot` says so.
    """
    out = _swept(tmp_path, ADAPTIVE_FILE)
    missing, planned, exact = plan.missing_runs(out)
    rows = len((out / "summary.csv").read_text().splitlines()) - 1
    assert (missing, planned, exact) == (0, rows, True) and rows in (4, 6, 8)
    _drop_rows(out, 1)
    assert plan.missing_runs(out) == (1, rows, False)
    args = type("Args", (), {"dir": str(out), "metric": ["leaderless_steps"]})()
    plot_command(args)
    assert "incomplete sweep: at least 1 (adaptive seeds) runs missing" in capsys.readouterr().err

"""Enough seeds: `seeds = { until_ci = ... }` adds seeds per cell until its interval is narrow."""

from __future__ import annotations

import csv
import math
import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.research import sweep
from sim.research.adaptive import CELLS_FILE, cells, run_rounds
from sim.research.experiment import load_experiment, parse_experiment
from sim.research.seedrule import DEFAULT_BATCH, DEFAULT_METRIC, DEFAULT_MIN
from sim.research.stats import mean_ci, proportion_ci
from sim.research.sweep import run_sweep
from tests.conftest import count_rows, sweep_cli

ROOT = Path(__file__).resolve().parents[2]
SPREAD = [0.0, 0.5, 1.0, 2.0]  # the stand-in's noise (sd) per cell: zero variance to noisy


def experiment(seeds, sweep_values=SPREAD, **params):
    """A small grid over `dropout_rate` (the stand-in reads its noise from it) with `seeds`."""
    return parse_experiment(
        {
            "name": "adaptive",
            "steps": 30,
            "seeds": seeds,
            "params": {"n_agents": 3, **params},
            "sweep": {"dropout_rate": [v / 100 for v in sweep_values]},
        }
    )


def stand_in(values, executed, kind="normal"):
    """A cheap deterministic run function: a value per (cell, seed) from a seeded generator."""

    def execute(runs):
        for run in runs:
            executed.append(run)
            sd = run.params["dropout_rate"] * 100
            rng = np.random.default_rng([run.seed, int(sd * 10)])
            if kind == "normal":
                values[run.run_id] = 5.0 + sd * rng.normal()
            elif kind == "bernoulli":
                values[run.run_id] = float(rng.random() < sd / 4)
            else:  # "never": every run of the noisiest cell at +inf (never recovered)
                values[run.run_id] = math.inf if sd == max(SPREAD) else 5.0 + sd * rng.normal()

    return execute


def interval(values, proportion=False):
    """(half-width, n) as this test recomputes it from the stats module's intervals."""
    _, lo, hi, n = (proportion_ci if proportion else mean_ci)(values)
    return ((hi - lo) / 2 if n >= 2 else math.inf), n


def per_cell(exp, values):
    """Each cell's values by seed, in plan order (from the run ids of seeds 0, 1, 2, ...)."""
    found, points = cells(exp)
    out = []
    for c in found:
        seeds = []
        while c.run(len(seeds), points).run_id in values:
            seeds.append(values[c.run(len(seeds), points).run_id])
        out.append(seeds)
    return out


# ---------------------------------------------------------------------- the file's table
def test_defaults_fill_metric_min_and_batch():
    """`{ until_ci, max }` alone: mission_success, min 10, batch 10; round 0 is seeds 0..9."""
    exp = experiment({"until_ci": 0.05, "max": 200})
    rule = exp.adaptive
    assert (rule.metric, rule.min, rule.batch, rule.max) == (DEFAULT_METRIC, 10, 10, 200)
    assert rule.proportion and exp.seeds == tuple(range(DEFAULT_MIN))
    assert DEFAULT_BATCH == 10
    assert experiment({"until_ci": 0.05, "max": 4}).adaptive.min == 4  # min never above max
    assert experiment(3).adaptive is None


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ({"until_ci": 0, "max": 20}, r"seeds\.until_ci must be the half-width .* \(0, 0\.5\]"),
        ({"until_ci": -1.0, "metric": "collisions", "max": 20}, r"until_ci .* own units.* > 0"),
        ({"until_ci": 0.6, "max": 20}, r"seeds\.until_ci .* mission_success is true/false"),
        ({"until_ci": True, "max": 20}, r"seeds\.until_ci must be"),
        ({"until_ci": 0.05, "min": 30, "max": 20}, r"seeds\.min must be an integer in \[2, .*20\]"),
        ({"until_ci": 0.05, "min": 1, "max": 20}, r"seeds\.min must be an integer in \[2, "),
        ({"until_ci": 0.05, "max": 1}, r"seeds\.max must be an integer in \[2, 100000\]"),
        ({"until_ci": 0.05, "max": 20, "batch": 0}, r"seeds\.batch must be a positive integer"),
        ({"until_ci": 0.05, "max": 20, "metric": "succes"}, r"seeds\.metric: unknown .*'succes'"),
        ({"until_ci": 0.05, "max": 20, "stop": 3}, r"unknown key 'stop'.*until_ci, metric, min"),
        ({"max": 20}, r"seeds\.until_ci is not set.*half-width .* metric's units"),
        ({"until_ci": 0.05}, r"seeds\.max is not set"),
    ],
)
def test_bad_tables_name_the_key_and_the_allowed_range(seeds, message):
    """Each mistake is one error naming the seeds key and what it allows."""
    with pytest.raises(ValueError, match=message):
        experiment(seeds)


def test_cli_reports_a_bad_table_in_one_line_exit_2(tmp_path, capsys):
    """`swarm-sim sweep` with until_ci <= 0: one line on stderr, exit 2, nothing written."""
    path = tmp_path / "bad.toml"
    path.write_text('steps = 5\nseeds = { until_ci = 0, max = 20, metric = "collisions" }\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "seeds.until_ci" in err and "collisions" in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------- the rounds (stand-in)
def test_a_zero_variance_metric_stops_at_min():
    """A cell whose metric never varies has a zero-width interval: it stops after min seeds."""
    exp = experiment({"until_ci": 0.1, "metric": "mean_formation_error", "min": 6, "max": 50})
    values, executed = {}, []
    outcomes = run_rounds(exp, values, stand_in(values, executed))
    flat = outcomes[[o.cell.point["dropout_rate"] for o in outcomes].index(0.0)]
    assert flat.seeds == 6 and flat.stopped == "ci" and flat.half_width == 0
    assert flat.reason(exp.adaptive) == "ci 0 <= 0.1 after 6 seeds"


@pytest.mark.parametrize("kind", ["normal", "bernoulli"])
def test_noisy_cells_get_seeds_until_the_recomputed_interval_is_narrow(kind):
    """Every cell stops at the first round whose interval is narrow enough, or at max."""
    metric = "mean_formation_error" if kind == "normal" else "mission_success"
    until = 0.4 if kind == "normal" else 0.15
    rule = {"until_ci": until, "metric": metric, "min": 5, "max": 400, "batch": 7}
    exp = experiment(rule)
    values, executed = {}, []
    outcomes = run_rounds(exp, values, stand_in(values, executed, kind))
    proportion = kind == "bernoulli"
    by_cell = per_cell(exp, values)
    assert any(o.seeds > 5 + 7 for o in outcomes), "the stand-in should need several rounds"
    for o, seq in zip(outcomes, by_cell, strict=True):
        assert len(seq) == o.seeds  # seeds 0..seeds-1, no gaps, nothing beyond
        half, _ = interval(seq, proportion)
        assert o.stopped == "ci" and half <= until and math.isclose(half, o.half_width)
        assert o.reason(exp.adaptive) == f"ci {half:.3g} <= {until:g} after {len(seq)} seeds"
        for earlier in range(5, o.seeds, 7):  # each earlier round was still too wide
            assert interval(seq[:earlier], proportion)[0] > until
    assert len(executed) == len({r.run_id for r in executed}) == len(values)


def test_the_cap_is_respected_and_recorded():
    """With an unreachable target every noisy cell stops at exactly max seeds, never beyond."""
    exp = experiment({"until_ci": 0.01, "metric": "mean_formation_error", "min": 4, "max": 12})
    values, executed = {}, []
    outcomes = run_rounds(exp, values, stand_in(values, executed))
    assert max(r.seed for r in executed) == 11
    for o, seq in zip(outcomes, per_cell(exp, values), strict=True):
        if o.cell.point["dropout_rate"] == 0:
            continue  # zero variance: narrow at min
        half, _ = interval(seq)
        assert (o.seeds, o.stopped, len(seq)) == (12, "max", 12)
        assert o.reason(exp.adaptive) == f"max 12 reached, ci {half:.3g}"


def test_runs_go_round_by_round_seed_by_seed_to_the_open_cells_only():
    """Round r runs the next batch of seeds of the cells still open, seed by seed (max included)."""
    rule = {"until_ci": 0.5, "metric": "mean_formation_error", "min": 3, "max": 11, "batch": 4}
    exp = experiment(rule)
    values, executed = {}, []
    rounds = []
    inner = stand_in(values, executed)

    def execute(runs):
        rounds.append(runs)
        inner(runs)

    outcomes = run_rounds(exp, values, execute)
    seeds = [sorted({r.seed for r in batch}) for batch in rounds]
    assert seeds == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10]]
    for batch in rounds:
        assert [r.index for r in batch] == sorted(r.index for r in batch)  # plan order
    final = {o.cell.key: o.seeds for o in outcomes}
    for batch in rounds[1:]:
        for r in batch:
            assert final[exp.ordered_points()[r.index % len(exp.grid)][2]] > r.seed


def test_values_at_infinity_do_not_count_and_the_cell_goes_to_max():
    """A cell whose runs all never recovered (+inf) has no interval: max, 'no interval'."""
    exp = experiment({"until_ci": 2.0, "metric": "max_recovery_steps", "min": 4, "max": 9})
    values, executed = {}, []
    outcomes = run_rounds(exp, values, stand_in(values, executed, "never"))
    (stuck,) = [o for o in outcomes if o.cell.point["dropout_rate"] == max(SPREAD) / 100]
    assert (stuck.seeds, stuck.never, stuck.n) == (9, 9, 0)
    assert stuck.reason(exp.adaptive) == "max 9 reached, no interval (0 finite values)"


def test_a_resumed_set_of_values_gives_the_same_outcomes_and_runs_only_the_rest():
    """Rounds started with part of the values (an interrupted sweep) end where a whole one did."""
    rule = {"until_ci": 0.4, "metric": "mean_formation_error", "min": 5, "max": 60, "batch": 5}
    exp = experiment(rule)
    whole, executed = {}, []
    expected = run_rounds(exp, whole, stand_in(whole, executed))
    part = dict(list(whole.items())[: len(whole) // 2])  # the runs a kill left behind
    again: list = []
    got = run_rounds(exp, part, stand_in(part, again))
    assert got == expected and part == whole
    assert len(again) == len(whole) - len(whole) // 2


# ---------------------------------------------------------------------- real (tiny) sweeps
REAL = {"until_ci": 0.12, "metric": "mean_formation_error", "min": 4, "max": 24, "batch": 4}


def real(**rule):
    """Two cells of tiny real runs: no dropout (steady) and dropout 0.02 (noisy)."""
    return experiment({**REAL, **rule}, sweep_values=[0.0, 2.0])


def table(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts of strings."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_a_sweep_writes_cells_csv_whose_reasons_match_the_recomputed_intervals(tmp_path):
    """cells.csv: each cell's seeds, interval and reason, recomputed from summary.csv's rows."""
    report = run_sweep(real(), tmp_path, workers=1, progress=False)
    rows, cell_rows = table(tmp_path / "summary.csv"), table(tmp_path / CELLS_FILE)
    assert len(cell_rows) == 2 and report["total"] == len(rows)
    assert sum(int(c["seeds"]) for c in cell_rows) == len(rows)
    for c in cell_rows:
        mine = [r for r in rows if r["dropout_rate"] == c["dropout_rate"]]
        assert sorted(int(r["seed"]) for r in mine) == list(range(int(c["seeds"])))
        half, n = interval([float(r["mean_formation_error"]) for r in mine])
        assert math.isclose(float(c["half_width"]), half) and int(c["n"]) == n
        if c["stopped"] == "ci":
            assert half <= 0.12 and c["reason"] == f"ci {half:.3g} <= 0.12 after {len(mine)} seeds"
        else:
            assert half > 0.12 and c["reason"] == f"max 24 reached, ci {half:.3g}"
            assert len(mine) == 24
    assert re.match(r"enough seeds \(mean_formation_error.*2 cells", report["adaptive"])


def test_one_and_two_workers_give_the_same_runs_and_cells(tmp_path):
    """The plan is deterministic: one worker and a pool of two write identical files."""
    run_sweep(real(), tmp_path / "one", workers=1, progress=False)
    run_sweep(real(), tmp_path / "two", workers=2, progress=False)
    for name in ("summary.csv", CELLS_FILE):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_an_interrupted_adaptive_sweep_resumed_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    """Killed in a later round and resumed, a sweep writes the same summary and cells files."""
    whole = run_sweep(real(), tmp_path / "whole", workers=1, progress=False)
    assert whole["total"] > 12, "the interruption below should land after round 1"
    calls = []
    original = sweep.execute_run

    def dying(run, timeseries=None):
        calls.append(run)
        if len(calls) == 11:  # mid round 1 (rounds: 8 runs, then 4 or 8)
            raise KeyboardInterrupt
        return original(run, timeseries)

    monkeypatch.setattr(sweep, "execute_run", dying)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(real(), tmp_path / "killed", workers=1, progress=False)
    monkeypatch.setattr(sweep, "execute_run", original)
    assert not (tmp_path / "killed" / CELLS_FILE).exists()
    resumed = run_sweep(real(), tmp_path / "killed", workers=1, resume=True, progress=False)
    skipped = resumed["skipped"]  # round 0 (8 runs), and those of round 1 collected before
    assert 8 <= skipped < whole["total"] and resumed["ran"] == whole["total"] - skipped
    assert resumed["adaptive"] == whole["adaptive"]
    for name in ("summary.csv", CELLS_FILE):
        killed = (tmp_path / "killed" / name).read_bytes()
        assert killed == (tmp_path / "whole" / name).read_bytes()


def test_a_failed_run_is_left_out_of_the_interval_and_counted_as_seeded(tmp_path, monkeypatch):
    """A run that fails counts as a seed given but not as a value: n is one short in cells.csv."""
    original = sweep.execute_run

    def failing(run, timeseries=None):
        if run.seed == 1 and run.params["dropout_rate"] == 0:
            failed = {"status": "failed", "summary": {}, "error": "x", "traceback": "x"}
            return {"run_id": run.run_id, "source": sweep.short_hash(), **failed}
        return original(run, timeseries)

    monkeypatch.setattr(sweep, "execute_run", failing)
    run_sweep(real(), tmp_path, workers=1, progress=False)
    (steady,) = [c for c in table(tmp_path / CELLS_FILE) if c["dropout_rate"] == "0.0"]
    assert int(steady["n"]) == int(steady["seeds"]) - 1
    ok = [r for r in table(tmp_path / "summary.csv") if r["dropout_rate"] == "0.0"]
    half, n = interval([float(r["mean_formation_error"]) for r in ok if r["status"] == "ok"])
    assert n == int(steady["n"]) and math.isclose(half, float(steady["half_width"]))


def test_resume_with_another_rule_is_refused(tmp_path):
    """A results folder of one stopping rule cannot be continued under another."""
    run_sweep(real(), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="different experiment"):
        run_sweep(real(until_ci=0.2), tmp_path, workers=1, resume=True, progress=False)


def test_cli_prints_the_summary_and_dry_run_shows_min_and_max_runs(tmp_path, capsys):
    """The sweep ends with where the cells stopped; --dry-run says 'runs: 8 to 48'."""
    path = tmp_path / "exp.toml"
    path.write_text(
        'name = "a"\nsteps = 30\n'
        'seeds = { until_ci = 0.12, metric = "mean_formation_error", min = 4, max = 24 }\n'
        "[params]\nn_agents = 3\n[sweep]\ndropout_rate = [0.0, 0.02]\n"
    )
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--dry-run", "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert "runs: 8 to 48 " in said and "seeds: adaptive, 4 to 24 per cell" in said
    assert not out.exists()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("enough seeds (mean_formation_error") and last.endswith(CELLS_FILE)


@pytest.mark.slow
def test_sigkill_in_a_later_round_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    """A two-worker adaptive sweep SIGKILLed after round 0 and resumed writes the same files."""
    path = tmp_path / "exp.toml"
    path.write_text(
        'name = "a"\nsteps = 30\nseeds = { until_ci = 0.12, metric = "mean_formation_error", '
        "min = 4, max = 40, batch = 2 }\n[params]\nn_agents = 3\n[sweep]\n"
        "dropout_rate = [0.0, 0.02]\n"
    )
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = sweep_cli(path, killed, "--workers", "2")
    deadline = time.monotonic() + 120
    while count_rows(killed / "summary.csv") < 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, in round 2 or later
    proc.wait()
    partial = count_rows(killed / "summary.csv")
    report = run_sweep(load_experiment(path), whole, workers=1, progress=False)
    assert 12 <= partial < report["total"], "the kill should land mid-sweep"
    assert not (killed / CELLS_FILE).exists()
    resumed = sweep_cli(path, killed, "--workers", "2", "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read().decode()
    for name in ("summary.csv", CELLS_FILE):
        assert (killed / name).read_bytes() == (whole / name).read_bytes()

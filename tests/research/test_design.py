"""Sampling designs: [design] + [ranges] parsing, points inside ranges, strata, stable ids."""

from __future__ import annotations

import csv
import sys

import numpy as np
import pytest

from sim.research.design import to_value
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep


def design_exp(kind="lhs", n=8, seed=1, ranges=None, **extra):
    """A small experiment with a sampled design (extra top-level keys merged in)."""
    data = {
        "name": "d",
        "steps": 10,
        "seeds": 2,
        "params": {"n_agents": 4},
        "design": {"kind": kind, "n": n, "seed": seed},
        "ranges": ranges
        or {"comm_range": [5, 40], "heartbeat_period": [1, 4], "election": ["raft", "none"]},
    }
    data.update(extra)
    return parse_experiment(data)


@pytest.mark.parametrize(
    ("kind", "n", "points"),
    [("random", 10, 10), ("lhs", 10, 10), ("sobol", 4, 4 * (2 * 3 + 2)), ("morris", 3, 3 * 4)],
)
def test_each_kind_gives_its_number_of_points_inside_the_ranges(kind, n, points):
    """random/lhs: n points; sobol: N·(2D+2); morris: r·(D+1); every value inside its range."""
    e = design_exp(kind, n)
    assert len(e.grid) == e.design.n_points == points
    assert e.n_runs == points * 2
    for p in e.grid:
        assert 5 <= p["comm_range"] <= 40 and isinstance(p["comm_range"], float)
        assert p["heartbeat_period"] in (1, 2, 3, 4)
        assert p["election"] in ("raft", "none")
    unit = e.design.unit_sample()
    assert unit.shape == (points, 3) and (unit >= 0).all() and (unit <= 1).all()


def test_lhs_hits_every_stratum_of_every_parameter_once():
    """A Latin hypercube of n points puts exactly one point in each of the n strata per axis."""
    e = design_exp("lhs", 16, ranges={"comm_range": [5, 37], "message_loss": [0.0, 0.8]})
    unit = e.design.unit_sample()
    for axis in range(2):
        assert sorted((unit[:, axis] * 16).astype(int)) == list(range(16))
    values = sorted(p["comm_range"] for p in e.grid)
    assert [int((v - 5) // 2) for v in values] == list(range(16))  # strata of width 32/16 = 2 m


def test_integers_and_choices_get_equal_shares_of_the_unit_interval():
    """Each integer of lo..hi, and each choice, owns an equal slice of [0, 1]."""
    us = (np.arange(400) + 0.5) / 400
    ints = [to_value([1, 4], u) for u in us]
    assert {k: ints.count(k) for k in (1, 2, 3, 4)} == {1: 100, 2: 100, 3: 100, 4: 100}
    assert to_value([1, 4], 1.0) == 4 and to_value([1, 4], 0.0) == 1
    picks = [to_value(["a", "b", "c"], u) for u in us[::4]]
    assert sorted(set(picks)) == ["a", "b", "c"] and abs(picks.count("a") - 33) <= 1
    assert to_value([2.0, 3.0], 0.25) == 2.25


def test_two_builds_give_the_same_points_and_run_ids_and_the_seed_matters():
    """A design is deterministic given its own seed; another seed draws other points."""
    a, b = design_exp("sobol", 4), design_exp("sobol", 4)
    assert a.grid == b.grid
    assert [r.run_id for r in a.runs()] == [r.run_id for r in b.runs()]
    other = design_exp("sobol", 4, seed=2)
    assert other.grid != a.grid
    for kind in ("random", "lhs", "morris"):
        assert design_exp(kind, 4).grid == design_exp(kind, 4).grid != design_exp(kind, 4, 9).grid


def test_design_runs_go_seed_by_seed_in_design_order():
    """Runs cover every design point with the first seed before the second seed starts."""
    e = design_exp("lhs", 5)
    runs = list(e.runs())
    assert [r.seed for r in runs] == [0] * 5 + [1] * 5
    assert [r.params["comm_range"] for r in runs[:5]] == [p["comm_range"] for p in e.grid]


def test_a_partly_written_design_sweep_resumes_with_the_same_ids(tmp_path):
    """Resume of a sampled design skips the runs already written and ends with every id once."""
    e = design_exp("lhs", 3, ranges={"message_loss": [0.0, 0.5], "election": ["raft", "none"]})
    planned = [r.run_id for r in e.runs()]
    run_sweep(e, tmp_path, workers=1, progress=False)
    with open(tmp_path / "summary.csv", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    (tmp_path / "summary.csv").write_text("".join(lines[:3]))  # header + 2 runs survive
    again = design_exp("lhs", 3, ranges={"message_loss": [0.0, 0.5], "election": ["raft", "none"]})
    report = run_sweep(again, tmp_path, workers=1, resume=True, progress=False)
    assert report["skipped"] == 2 and report["ran"] == len(planned) - 2
    with open(tmp_path / "summary.csv", newline="") as f:
        ids = [row["run_id"] for row in csv.DictReader(f)]
    assert ids == planned


def test_design_csv_records_each_point_seed_and_run_id(tmp_path):
    """design.csv: one row per (point, seed) with the run id of its summary row and its values."""
    e = design_exp("morris", 2, ranges={"message_loss": [0.0, 0.6], "election": ["raft", "none"]})
    run_sweep(e, tmp_path, workers=1, progress=False)
    with open(tmp_path / "design.csv", newline="") as f:
        design = list(csv.DictReader(f))
    with open(tmp_path / "summary.csv", newline="") as f:
        summary = {row["run_id"]: row for row in csv.DictReader(f)}
    assert len(design) == e.design.n_points * 2
    assert [int(r["design_point"]) for r in design[:6]] == list(range(6))
    for row in design:
        done = summary[row["run_id"]]
        assert done["seed"] == row["seed"] and done["election"] == row["election"]
        assert float(done["message_loss"]) == pytest.approx(float(row["message_loss"]))
        assert min(abs(float(row["u_message_loss"]) - k / 3) for k in range(4)) < 1e-9


def test_a_different_design_cannot_resume_into_the_same_folder(tmp_path):
    """--resume with another design seed is refused (the folder holds another experiment)."""
    run_sweep(design_exp("random", 2), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="different experiment"):
        run_sweep(design_exp("random", 2, seed=5), tmp_path, workers=1, resume=True)


LHS = {"kind": "lhs", "n": 4}
COMM = {"comm_range": [5, 40]}
BAD = [
    (LHS, {"message_loss": [0.0, 1.5]}, r"\[ranges\] message_loss must be a range \[lo, hi\] "),
    (LHS, {"message_loss": [0.0, 1.5]}, r"within a number in \[0, 1\].*outside the allowed"),
    (LHS, {"comm_rang": [5, 40]}, r"\[ranges\] unknown parameter 'comm_rang'; did you mean"),
    (LHS, {"comm_range": [5, 10, 20]}, r"comm_range must be a range.*choices are for choice"),
    (LHS, {"comm_range": [40, 5]}, r"lo must be below hi"),
    (LHS, {"comm_delay": [0.5, 8]}, r"comm_delay must be a range \[lo, hi\] of two integers"),
    (LHS, {"election": ["raft", "vote"]}, r"election must be a list of at least two distinct"),
    (LHS, {"election": ["raft", "vote"]}, r"each one of 'lowest_id'.*got 'vote'"),
    (LHS, {"election": ["raft"]}, r"at least two distinct values"),
    (LHS, {"waypoints": [[0, 0], [1, 1]]}, r"waypoints .* cannot be sampled"),
    ({"kind": "lhs"}, COMM, r"\[design\] n is not set; a lhs design needs n: the number of"),
    ({"kind": "sobol", "n": 6}, COMM, r"n must be a power of two"),
    ({"kind": "lhs", "n": 0}, COMM, r"n must be a positive integer"),
    ({"kind": "halton"}, COMM, r"kind must be one of 'grid', 'random', 'lhs', 'sobol', 'morris'"),
    ({**LHS, "sed": 1}, COMM, r"unknown key in \[design\] 'sed' \(allowed: kind, n, seed"),
    ({**LHS, "levels": 4}, COMM, r"levels applies to morris designs only"),
    ({"kind": "morris", "n": 4, "levels": 3}, COMM, r"levels must be an even integer"),
    (LHS, {}, r"a lhs design needs a \[ranges\] table"),
    ({"kind": "grid"}, COMM, r"\[ranges\] needs \[design\] kind = one of 'random'"),
    (LHS, {"n_agents": [2, 8]}, r"'n_agents' is set twice \(in \[params\] and \[ranges\]\)"),
]


@pytest.mark.parametrize(("design", "ranges", "message"), BAD)
def test_bad_designs_and_ranges_name_the_key_and_what_is_allowed(design, ranges, message):
    """Each mistake in [design] or [ranges] is a ValueError naming the key and what is allowed."""
    data = {"name": "d", "steps": 10, "seeds": 1, "params": {"n_agents": 4}}
    data.update(design=design, ranges=ranges)
    with pytest.raises(ValueError, match=message):
        parse_experiment(data)


def test_sweep_lists_and_a_sampled_design_do_not_mix():
    """[sweep] with a sampled design is an error saying to move the parameter into [ranges]."""
    with pytest.raises(ValueError, match=r"\[sweep\] cannot be combined with a lhs design"):
        design_exp("lhs", 4, sweep={"message_loss": [0.0, 0.2]})


def test_a_sampled_point_breaking_a_cross_field_rule_is_named():
    """A design point whose values contradict each other is reported before anything runs."""
    ranges = {"heartbeat_period": [1, 20], "election_timeout_min": [2, 10]}
    with pytest.raises(ValueError, match=r"heartbeat_period.*must be < election_") as err:
        design_exp("lhs", 16, ranges=ranges)
    assert str(err.value).startswith("[ranges] the sampled point "), "names [ranges], not [sweep]"
    assert "every combination satisfies" in str(err.value)


def test_a_grid_file_is_unchanged_by_designs():
    """Without [design] an experiment is a grid as before: no design, the full product."""
    e = parse_experiment(
        {"name": "g", "steps": 5, "seeds": 1, "sweep": {"message_loss": [0.0, 0.1]}}
    )
    assert e.design is None and len(e.grid) == 2
    same = parse_experiment(
        {
            "name": "g",
            "steps": 5,
            "seeds": 1,
            "design": {"kind": "grid"},
            "sweep": {"message_loss": [0.0, 0.1]},
        }
    )
    assert [r.run_id for r in same.runs()] == [r.run_id for r in e.runs()]


def test_sobol_without_salib_is_a_clear_error(monkeypatch):
    """Without the analysis extra, a sobol design names SALib and how to install it."""
    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)  # import now raises ImportError
    with pytest.raises(ValueError, match=r"need SALib: pip install 'swarm-sim\[analysis\]'"):
        design_exp("sobol", 4)
    assert len(design_exp("lhs", 4).grid) == 4  # the other kinds do not need it

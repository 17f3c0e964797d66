"""Experiment files: grid expansion, seeds, interleaved order, run ids and clear errors."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.research.experiment import balanced_order, load_experiment, parse_experiment


def exp(**extra):
    """A small valid experiment table, with `extra` merged in at the top level."""
    data = {
        "name": "t",
        "steps": 20,
        "seeds": 3,
        "params": {"n_agents": 4},
        "sweep": {"message_loss": [0.0, 0.2, 0.4], "election": ["lowest_id", "none"]},
    }
    data.update(extra)
    return parse_experiment(data)


def test_grid_is_the_full_product_of_swept_lists():
    """Every combination of swept values appears exactly once in the grid."""
    e = exp()
    pairs = {(p["message_loss"], p["election"]) for p in e.grid}
    assert pairs == set(itertools.product([0.0, 0.2, 0.4], ["lowest_id", "none"]))
    assert len(e.grid) == 6 and e.n_runs == 18


def test_seed_count_means_zero_to_n_minus_one():
    """`seeds = n` gives seeds 0..n-1; an explicit list is kept as written."""
    assert exp(seeds=4).seeds == (0, 1, 2, 3)
    assert exp(seeds=[7, 3, 11]).seeds == (7, 3, 11)


def test_runs_carry_fixed_and_swept_values_and_steps():
    """Each run's parameters hold the fixed values, its grid point and max_steps = steps."""
    runs = list(exp().runs())
    assert len(runs) == 18 and [r.index for r in runs] == list(range(18))
    assert all(r.params["n_agents"] == 4 and r.params["max_steps"] == 20 for r in runs)


def test_order_covers_the_grid_seed_by_seed():
    """The first grid-size runs use one seed and cover every grid point once, and so on."""
    runs = list(exp().runs())
    for k, seed in enumerate((0, 1, 2)):
        block = runs[6 * k : 6 * (k + 1)]
        assert {r.seed for r in block} == {seed}
        assert len({(r.params["message_loss"], r.params["election"]) for r in block}) == 6


def test_prefix_of_a_round_spreads_over_every_value():
    """The first max(len) runs of a round already use every value of every swept parameter."""
    runs = list(exp().runs())[:3]
    assert {r.params["message_loss"] for r in runs} == {0.0, 0.2, 0.4}
    assert {r.params["election"] for r in runs} == {"lowest_id", "none"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_balanced_order_is_a_balanced_permutation(sizes):
    """The order is a permutation and, on every prefix, value counts per axis differ by ≤ 2."""
    order = balanced_order(sizes)
    total = 1
    for s in sizes:
        total *= s
    assert sorted(order) == list(range(total))
    digits = [list(itertools.product(*[range(s) for s in sizes]))[i] for i in order]
    for k in range(1, total + 1):
        for axis, size in enumerate(sizes):
            counts = Counter(d[axis] for d in digits[:k])
            values = [counts.get(v, 0) for v in range(size)]
            assert max(values) - min(values) <= 2


def test_run_ids_are_stable_and_distinct():
    """Ids depend only on parameters and seed: two parses agree, every run differs."""
    a = [r.run_id for r in exp().runs()]
    b = [r.run_id for r in exp().runs()]
    assert a == b and len(set(a)) == len(a)


def test_run_id_ignores_how_a_default_is_spelled():
    """Writing a default value explicitly gives the same run id as leaving it out."""
    plain = next(exp(sweep={}).runs()).run_id
    explicit = next(exp(sweep={}, params={"n_agents": 4, "spacing": 4.0}).runs()).run_id
    assert plain == explicit


def test_timeseries_defaults_and_validation():
    """`[timeseries]` defaults to every reporter each step; unknown columns are refused."""
    assert exp(timeseries={}).timeseries["every"] == 1
    assert exp(timeseries={"columns": ["n_active"], "every": 5}).timeseries["every"] == 5
    with pytest.raises(ValueError, match="unknown column 'speedy'.*n_active"):
        exp(timeseries={"columns": ["speedy"]})


def test_plot_table_is_read_and_checked():
    """`[plot]` names metrics, roles and stored series; "none" pools a role; runs are unchanged."""
    spec = {"metrics": ["max_recovery_steps"], "x": "election", "hue": "none"}
    e = exp(plot=spec)
    assert e.plot == spec and e.grid == exp().grid and e == exp()
    series = exp(timeseries={"columns": ["n_leaders"]}, plot={"timeseries": ["n_leaders"]})
    assert series.plot == {"timeseries": ["n_leaders"]}
    assert exp().plot is None


@pytest.mark.parametrize(
    ("plot", "message"),
    [
        ({"colour": "red"}, r"\[plot\]: unknown key 'colour' \(allowed: metrics, x, hue, facet"),
        ({"metrics": ["sucess"]}, r"\[plot\] metrics: unknown metric 'sucess' \(allowed: mission_"),
        ({"metrics": "mission_success"}, r"\[plot\] metrics must be a list of names"),
        (
            {"x": "n_agents"},
            r"\[plot\] x: unknown parameter 'n_agents' \(allowed: message_loss, el",
        ),
        ({"x": "election", "facet": "election"}, r"\[plot\] facet: election is already the x"),
        ({"timeseries": ["n_leaders"]}, r"\[plot\] timeseries needs a \[timeseries\] table"),
        ({"x": "none"}, r"\[plot\] x: unknown parameter 'none'"),
    ],
)
def test_bad_plot_tables_name_the_key_and_allowed_values(plot, message):
    """A mistake in `[plot]` is an error naming the key and what is allowed, before any run."""
    with pytest.raises(ValueError, match=message):
        exp(plot=plot)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"stpes": 5}, r"unknown top-level key 'stpes' \(allowed: name, description, steps"),
        ({"params": {"n_agent": 3}}, r"unknown parameter 'n_agent'; did you mean n_agents"),
        ({"sweep": {"election": ["raft", "vote"]}}, r"election must be one of 'lowest_id'"),
        ({"sweep": {"message_loss": [0.1, 1.5]}}, r"message_loss must be a number in \[0, 1\]"),
        ({"sweep": {"message_loss": 0.1}}, r"message_loss must be a non-empty list"),
        ({"params": {"n_agents": 0}}, r"n_agents must be an integer in \[1, 10000\]"),
        ({"params": {"message_loss": 0.1}}, r"'message_loss' is set twice"),
        ({"seeds": 0}, r"seeds must be a positive integer"),
        ({"seeds": [1, 1]}, r"seeds lists a seed twice"),
        ({"steps": -3}, r"steps must be an integer in \[1,"),
        ({"params": {"max_steps": 9}}, r"top-level 'steps'"),
        ({"timeseries": {"evry": 2}}, r"unknown key in \[timeseries\] 'evry'"),
        (
            {"sweep": {"comm_range": [10, 10.0]}},
            r"\[sweep\] comm_range lists the value 10 twice \(as 10 and 10\.0\)",
        ),
        (
            {"sweep": {"comm_range": [10, 12, 10]}},
            r"\[sweep\] comm_range lists the value 10 twice;",
        ),
        (
            {"sweep": {"election_timeout_min,election_timeout_max": [[6, 12], [6.0, 12]]}},
            r"lists the value \[6, 12\] twice",
        ),
    ],
)
def test_bad_experiment_tables_name_the_key_and_allowed_values(extra, message):
    """Each mistake raises ValueError naming the key and what is allowed."""
    with pytest.raises(ValueError, match=message):
        exp(**extra)


@pytest.mark.parametrize("key", ["steps", "seeds"])
def test_steps_and_seeds_must_be_set(key):
    """No steps or no seeds is an error naming the key (not a silent 3,000 steps, 10 seeds)."""
    data = {"name": "t", "steps": 20, "seeds": 3}
    del data[key]
    with pytest.raises(ValueError, match=rf"^{key} is not set; every experiment file must set it"):
        parse_experiment(data)


def test_a_directory_is_not_an_experiment_file(tmp_path):
    """A folder given as the file is a ValueError naming it, not an IsADirectoryError."""
    with pytest.raises(ValueError, match=r"is a directory; give an experiment file"):
        load_experiment(tmp_path)


def test_cross_field_errors_name_the_grid_point():
    """A grid point breaking a rule between fields is reported with its values."""
    with pytest.raises(ValueError, match="grid point .*election_timeout_min"):
        exp(sweep={"election_timeout_min": [10, 40]})


def test_load_reports_the_file_and_toml_errors(tmp_path):
    """Errors from a file name the file; broken TOML says so."""
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nsteps = 10\n[params]\nn_agnts = 3\n')
    with pytest.raises(ValueError, match=r"bad\.toml: unknown parameter 'n_agnts'"):
        load_experiment(bad)
    bad.write_text("name = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_experiment(bad)


def test_name_defaults_to_the_file_stem(tmp_path):
    """Without `name`, the experiment is named after its file."""
    path = tmp_path / "my-study.toml"
    path.write_text("steps = 10\nseeds = 2\n")
    assert load_experiment(path).name == "my-study"


def test_linked_axis_moves_parameters_together():
    """A key "a,b" with [[a1, b1], [a2, b2]] gives points (a1, b1) and (a2, b2), never mixed."""
    key = "election_timeout_min,election_timeout_max"
    e = exp(sweep={key: [[5, 10], [40, 80]], "election": ["lowest_id", "none"]})
    pairs = {(p["election_timeout_min"], p["election_timeout_max"]) for p in e.grid}
    assert pairs == {(5, 10), (40, 80)} and len(e.grid) == 4


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ({"spacing,n_agnts": [[1, 2]]}, r"unknown parameter 'n_agnts'"),
        ({"spacing,comm_range": [[1.0]]}, r"non-empty list of \[spacing, comm_range\] value"),
        ({"spacing,comm_range": [[1.0, -5]]}, r"comm_range must be a number in"),
        ({"spacing,comm_range": [[1.0, 3]], "spacing": [2.0]}, r"'spacing' is set twice"),
    ],
)
def test_bad_linked_axes_are_explained(axis, message):
    """Linked axes with unknown names, wrong arity or bad values are refused clearly."""
    with pytest.raises(ValueError, match=message):
        exp(sweep=axis)


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "experiments").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_experiments_load_and_are_documented(path):
    """Each shipped experiment parses, sweeps or samples something and is in the README."""
    e = load_experiment(path)
    assert (e.sweep or e.design) and e.n_runs >= len(e.grid) >= 2
    readme = (path.parent / "README.md").read_text()
    assert path.name in readme


def test_four_experiments_are_shipped():
    """The four research questions of the issue each have an experiment file."""
    names = {p.stem for p in SHIPPED}
    assert {"mission-success", "recovery-time", "formation-vs-flock", "group-size"} <= names

"""Couzin and Vicsek inside SwarmModel: placement, ĝ per leg, reporters, dropouts and lessons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import SwarmModel
from sim.behaviours.couzin import DEFAULT_REPULSION_RADIUS, DEFAULT_SPEED
from sim.lessons.collective import COLLECTIVE_PRESETS

EAST_LEG = ((0.0, 0.0), (60.0, 0.0))
WEST_LEG = ((0.0, 0.0), (-60.0, 0.0))
FAR = ((0.0, 0.0), (1e4, 1e4))  # a waypoint no run reaches: the mission cannot end early
WITHIN_20_DEG = math.radians(20)


def _frame(model):
    return model.datacollector.get_model_vars_dataframe()


def _couzin(**params) -> SwarmModel:
    """A couzin model on one eastward 60 m leg (overridable)."""
    return SwarmModel(**({"coordination": "couzin", "waypoints": EAST_LEG} | params))


def test_couzin_starts_as_one_group_at_the_route_start():
    """The group starts within a √N·α square round the route's first point, at the set speed."""
    model = _couzin(n_agents=36, rng=3)
    half = 0.5 * math.sqrt(36) * DEFAULT_REPULSION_RADIUS
    assert np.all(np.abs(model.pos - EAST_LEG[0]) <= half)
    np.testing.assert_allclose(np.hypot(*model.vel.T), DEFAULT_SPEED)
    assert model.largest_component == 1.0


def test_couzin_group_forms_and_travels_toward_the_waypoint():
    """N = 40, p = 0.2, 8 seeds: the median run polarises and its centroid moves east along ĝ.

    Single runs are chaotic (another numpy build changes them) and about 1 in 7 misses one of
    these bounds on its own (mostly a heading error above 20°), so the median of 8 runs is judged.
    Over 48 seeds the run values have medians order 0.92, heading error 0.19 rad, eastward
    travel 0.73 of the distance flown, sideways drift 0.15 of the eastward travel.
    """
    runs = []
    for seed in range(8):
        model = _couzin(n_agents=40, informed_fraction=0.2, max_steps=400, rng=seed)
        start = model.pos.mean(axis=0)
        model.run()
        late = _frame(model).iloc[200:]
        east, north = model.pos[model.active].mean(axis=0) - start
        runs.append((late["order"].mean(), late["direction_error"].median(), east, abs(north)))
    order, error, east, sideways = np.median(runs, axis=0)
    assert order > 0.8
    assert error < WITHIN_20_DEG
    assert east > 0.5 * 400 * DEFAULT_SPEED and sideways < 0.5 * east


def test_goal_direction_is_fixed_along_a_leg_in_the_model():
    """The model's ĝ is the start-to-waypoint bearing and does not swing as the group moves."""
    model = _couzin(n_agents=30, waypoints=((0.0, 0.0), (40.0, 30.0)), max_steps=200, rng=4)
    # measuring changes nothing: the initial reporters take no bearing, the first step does
    assert model.goal_direction() is None and model.mode.behaviour.bearings_taken == 0
    model.step()
    first = model.goal_direction()
    np.testing.assert_allclose(first, [0.8, 0.6], atol=0.02)  # from the centroid, ≈ (0, 0)
    model.run()
    np.testing.assert_array_equal(model.goal_direction(), first)
    assert model.mode.behaviour.bearings_taken == 1


def test_without_informed_agents_the_waypoint_does_not_steer():
    """With p = 0, mirrored routes give the very same run; its errors from ±ĝ sum to ≈ π."""
    east = _couzin(n_agents=20, informed_fraction=0.0, max_steps=150, rng=6)
    west = _couzin(n_agents=20, informed_fraction=0.0, waypoints=WEST_LEG, max_steps=150, rng=6)
    east.run(), west.run()
    np.testing.assert_array_equal(east.pos, west.pos)
    np.testing.assert_array_equal(east.vel, west.vel)
    # ĝ is taken from the starting centroid, a fraction of a metre off the route's first point.
    assert east.direction_error + west.direction_error == pytest.approx(math.pi, abs=0.02)


def test_without_informed_agents_final_directions_spread():
    """Over 8 seeds, final headings with p = 0 are not concentrated round ĝ, unlike p = 0.5."""

    def errors(p: float) -> np.ndarray:
        runs = [_couzin(n_agents=20, informed_fraction=p, max_steps=200, rng=s) for s in range(8)]
        return np.array([m.run() and m.direction_error for m in runs])

    none, half = errors(0.0), errors(0.5)
    assert np.mean(none < WITHIN_20_DEG) <= 0.5 <= np.mean(half < WITHIN_20_DEG)
    assert none.mean() > half.mean() + 0.3


def test_vicsek_order_falls_with_noise():
    """N = 48 at density 4: order over the last 100 of 300 steps is high at η = 0.5, low at 4."""

    def order(noise: float) -> float:
        model = SwarmModel(
            coordination="vicsek", n_agents=48, noise=noise, waypoints=FAR, max_steps=300, rng=1
        )
        model.run()
        return float(_frame(model)["order"].iloc[-100:].mean())

    low, high = order(0.5), order(4.0)
    assert low > 0.9 and high < 0.6  # random headings would give ≈ 1/√48 ≈ 0.14


@pytest.mark.parametrize("coordination", ["couzin", "vicsek", "formation", "flock"])
def test_order_and_direction_error_reporters(coordination):
    """Order is in [0, 1] everywhere; direction_error is defined for couzin only (else NaN).

    Couzin's ĝ is taken in the first step, so the row before it has no direction error.
    """
    model = SwarmModel(coordination=coordination, n_agents=12, waypoints=FAR, max_steps=20, rng=0)
    model.run()
    frame = _frame(model)
    assert frame["order"].between(0.0, 1.0).all()
    if coordination == "couzin":
        assert frame["direction_error"].iloc[1:].between(0.0, math.pi).all()
        assert math.isnan(frame["direction_error"].iloc[0])
    else:
        assert frame["direction_error"].isna().all()


@pytest.mark.parametrize("coordination", ["couzin", "vicsek"])
def test_collective_modes_have_no_leader(coordination):
    """No leader, no election: n_leaders is 0 and leader_id -1 throughout."""
    model = SwarmModel(coordination=coordination, n_agents=15, waypoints=FAR, max_steps=30, rng=0)
    model.run()
    frame = _frame(model)
    assert (frame["n_leaders"] == 0).all() and (frame["leader_id"] == -1).all()
    assert model.summary()["leader_changes"] == 0


def test_informed_dropouts_hit_only_informed_agents():
    """dropout_pool="informed": every dropout is an informed agent, and they run out."""
    model = _couzin(
        n_agents=40,
        informed_fraction=0.25,
        dropout_rate=0.05,
        dropout_pool="informed",
        max_steps=150,
        rng=8,
    )
    informed = model.mode.informed.copy()
    model.run()
    assert not model.active[informed].any()  # all 10 gone (P(any left) ≈ 10·0.95^150 < 0.01)
    assert model.active[~informed].all()
    dropped = [uid - 1 for _, kind, uid, _ in model.events if kind == "dropout"]
    assert sorted(dropped) == np.flatnonzero(informed).tolist()


def test_informed_dropouts_with_nobody_informed_hit_nobody():
    """dropout_pool="informed" draws only from informed agents: with none, nobody drops out."""
    model = _couzin(
        n_agents=20,
        informed_fraction=0.0,
        dropout_rate=0.1,
        dropout_pool="informed",
        max_steps=50,
        rng=8,
    )
    model.run()
    assert model.active.all()
    assert not [e for e in model.events if e[1] == "dropout"]


@pytest.mark.parametrize("coordination", ["formation", "flock", "vicsek"])
def test_informed_dropout_pool_is_rejected_without_informed_agents(coordination):
    """dropout_pool="informed" outside couzin (nobody is informed) is a ValueError, not ignored."""
    with pytest.raises(ValueError, match=r"dropout_pool='informed'.*coordination='couzin'"):
        SwarmModel(coordination=coordination, dropout_pool="informed", dropout_rate=0.01)
    with pytest.raises(
        ValueError, match=rf"coordination={coordination!r} dropout_pool must be 'any'"
    ):
        SwarmModel(coordination=coordination, dropout_pool="informed")


def test_any_dropouts_hit_uninformed_agents_too():
    """dropout_pool="any" (the default) draws from every active agent."""
    model = _couzin(n_agents=40, informed_fraction=0.25, dropout_rate=0.05, max_steps=60, rng=8)
    informed = model.mode.informed.copy()
    model.run()
    assert not model.active[~informed].all()


def test_couzin_run_depends_only_on_its_seed():
    """Same seed, identical trajectories; another seed, a different run."""
    a, b, c = (_couzin(n_agents=25, max_steps=50, rng=s) for s in (5, 5, 7))
    for model in (a, b, c):
        model.run()
    np.testing.assert_array_equal(a.pos, b.pos)
    assert not np.array_equal(a.pos, c.pos)


def test_collective_presets_are_complete():
    """Every collective lesson has its texts, a couzin setting and an integer seed."""
    assert {"informed_few", "leader_vs_informed"} <= set(COLLECTIVE_PRESETS)
    for name, preset in COLLECTIVE_PRESETS.items():
        assert preset.title and preset.watch and preset.why and preset.question, name
        assert preset.claim and isinstance(preset.seed, int), name
        assert preset.overrides["coordination"] == "couzin", name


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COLLECTIVE_PRESETS))
def test_collective_preset_demonstrates_its_claim(name):
    """Running the lesson on its seed makes its stated claim true."""
    preset = COLLECTIVE_PRESETS[name]
    model = SwarmModel(**preset.overrides, rng=preset.seed)
    model.run(preset.steps)
    assert preset.check(model), f"{name}: {preset.claim}; summary={model.summary()}"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COLLECTIVE_PRESETS))
def test_collective_preset_claim_holds_on_other_seeds_too(name):
    """The claim is no accident of the lesson's seed: it holds on at least 7 of seeds 0-7.

    The Couzin model is chaotic, so another numpy build (or any change to the random stream)
    gives another run on the lesson's seed; the lessons are set up so that the claim holds on
    nearly every seed (measured: both claims on all 48 of seeds 0-47).
    """
    preset = COLLECTIVE_PRESETS[name]
    held = 0
    for seed in range(8):
        model = SwarmModel(**preset.overrides, rng=seed)
        model.run(preset.steps)
        held += bool(preset.check(model))
    assert held >= 7, f"{name}: the claim held on {held} of 8 seeds"

"""Couzin et al. (2002, 2005): zone rules, their invariants and the informed-minority findings."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.behaviours import couzin as couzin_module
from sim.behaviours import zones
from sim.behaviours.couzin import (
    DEFAULT_INTERACTION_RADIUS,
    DEFAULT_MAX_TURN,
    DEFAULT_NOISE,
    DEFAULT_OMEGA,
    DEFAULT_REPULSION_RADIUS,
    DEFAULT_SPEED,
    CouzinBehaviour,
    couzin_velocity,
    direction_error,
    simulate_couzin,
)
from sim.kinematics import turn_limit
from sim.params import specs

EAST = np.array([1.0, 0.0])
LIMITS = {name: specs()[name]["default"] for name in ("max_speed", "max_accel")}  # SwarmParams'
WITHIN_20_DEG = math.radians(20)


def _step(pos, vel, informed=None, goal=None, rng=None, **overrides):
    """One Couzin update with the module defaults, overridable by keyword."""
    kwargs = (
        dict(
            speed=DEFAULT_SPEED,
            repulsion_radius=DEFAULT_REPULSION_RADIUS,
            interaction_radius=DEFAULT_INTERACTION_RADIUS,
            omega=DEFAULT_OMEGA,
            noise=DEFAULT_NOISE,
            max_turn=DEFAULT_MAX_TURN,
            rng=rng if rng is not None else np.random.default_rng(0),
        )
        | overrides
    )
    informed = np.zeros(len(pos), dtype=bool) if informed is None else informed
    return couzin_velocity(pos, vel, informed, goal, **kwargs)


def _errors(n: int, p: float, steps: int, seeds: int) -> np.ndarray:
    """Final direction errors (rad) of `seeds` runs from different random starts."""
    return np.array([simulate_couzin(n, p, steps, np.random.default_rng(s)) for s in range(seeds)])


def _angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return np.abs(np.arctan2(cross, np.einsum("ij,ij->i", a, b)))


def test_direction_error_values():
    """Direction error is 0 along ĝ, π/2 across it, π against it, and NaN when undefined."""
    assert direction_error(np.array([[2.0, 0.1], [2.0, -0.1]]), EAST) == pytest.approx(0.0)
    assert direction_error(np.array([[0.0, 1.0]]), EAST) == pytest.approx(math.pi / 2)
    assert direction_error(np.array([[-1.0, 0.0]]), EAST) == pytest.approx(math.pi)
    assert math.isnan(direction_error(np.zeros((0, 2)), EAST))
    assert math.isnan(direction_error(np.array([[1.0, 0.0]]), None))


def test_repulsion_moves_a_close_pair_apart():
    """Two agents closer than the repulsion radius head directly apart when turning is free."""
    pos = np.array([[0.0, 0.0], [0.5, 0.0]])
    vel = np.array([[0.0, 1.0], [0.0, 1.0]])
    new = _step(pos, vel, noise=0.0, max_turn=math.pi)
    np.testing.assert_allclose(new, [[-DEFAULT_SPEED, 0.0], [DEFAULT_SPEED, 0.0]], atol=1e-12)
    after = pos + new
    assert np.hypot(*(after[1] - after[0])) > 0.5


def test_repulsion_separates_a_close_pair_under_bounded_turning():
    """With the default turning limit, a close side-by-side pair still opens its gap each step."""
    pos = np.array([[0.0, 0.0], [0.5, 0.0]])
    vel = np.array([[0.0, DEFAULT_SPEED], [0.0, DEFAULT_SPEED]])
    gaps = []
    for _ in range(5):
        vel = _step(pos, vel, noise=0.0)
        pos = pos + vel
        gaps.append(np.hypot(*(pos[1] - pos[0])))
    assert 0.5 < gaps[0] and all(a < b for a, b in zip(gaps, gaps[1:], strict=False))


def test_attraction_and_alignment_beyond_repulsion():
    """Beyond the repulsion radius, a lone pair turns toward each other and a shared heading."""
    pos = np.array([[0.0, 0.0], [3.0, 0.0]])
    vel = np.array([[0.0, 1.0], [0.0, 1.0]])
    new = _step(pos, vel, noise=0.0, max_turn=math.pi, speed=1.0)
    # d_0 = r_01 + v_0 + v_1 = (1, 2): right and up; d_1 mirrors it.
    np.testing.assert_allclose(new, [[1, 2] / np.sqrt(5), [-1, 2] / np.sqrt(5)], atol=1e-12)


def test_isolated_informed_agent_turns_to_the_preferred_direction():
    """An agent alone, if informed, comes round to ĝ; uninformed, it keeps its heading."""
    pos = np.array([[0.0, 0.0], [100.0, 100.0]])
    vel = np.array([[0.0, -1.0], [0.0, -1.0]]) * DEFAULT_SPEED
    informed = np.array([True, False])
    for _ in range(100):
        vel = _step(pos, vel, informed, EAST, noise=0.0)
        pos = pos + vel
    np.testing.assert_allclose(vel / DEFAULT_SPEED, [[1.0, 0.0], [0.0, -1.0]], atol=1e-6)


def test_without_a_goal_informed_agents_behave_like_the_rest():
    """goal=None makes the informed mask irrelevant: same seed, same velocities."""
    rng = np.random.default_rng(4)
    pos, vel = rng.uniform(0, 5, (20, 2)), rng.normal(size=(20, 2))
    everyone = np.ones(20, dtype=bool)
    a = _step(pos, vel, everyone, None, rng=np.random.default_rng(1))
    b = _step(pos, vel, ~everyone, EAST, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


_coords = st.floats(-4.0, 4.0, allow_nan=False, width=32)


@settings(max_examples=80, deadline=None)
@given(
    data=st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            hnp.arrays(float, (n, 2), elements=_coords),
            hnp.arrays(float, (n, 2), elements=_coords),
            hnp.arrays(bool, (n,)),
        )
    ),
    goal=st.sampled_from([None, (1.0, 0.0), (-3.0, 4.0)]),
    omega=st.floats(0.0, 5.0),
    max_turn=st.floats(0.0, math.pi),
    box=st.sampled_from([None, 3.0, 20.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_speed_conserved_and_turn_bounded(data, goal, omega, max_turn, box, seed):
    """Any small input gives finite rows of the set speed, each turned by at most max_turn."""
    pos, vel, informed = data
    new = _step(
        pos,
        vel,
        informed,
        goal,
        rng=np.random.default_rng(seed),
        omega=omega,
        max_turn=max_turn,
        noise=0.3,
        box=box,
    )
    assert new.shape == pos.shape
    assert np.all(np.isfinite(new))
    np.testing.assert_allclose(np.hypot(new[:, 0], new[:, 1]), DEFAULT_SPEED)
    moving = np.hypot(vel[:, 0], vel[:, 1]) > 1e-9  # agents at rest start from a random heading
    assert np.all(_angle_between(vel[moving], new[moving]) <= max_turn + 1e-9)


def dense_social_direction(
    pos: np.ndarray,
    heading: np.ndarray,
    repulsion_radius: float,
    interaction_radius: float,
    box: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Couzin's zones from full n × n distance matrices: the plain reference."""
    dx = pos[None, :, 0] - pos[:, None, 0]  # [i, j] = x_j − x_i
    dy = pos[None, :, 1] - pos[:, None, 1]
    if box is not None:  # minimum image
        dx -= box * np.round(dx / box)
        dy -= box * np.round(dy / box)
    d2 = dx * dx + dy * dy
    np.fill_diagonal(d2, np.inf)  # nobody is its own neighbour
    within = d2 <= interaction_radius**2
    near = d2 < repulsion_radius**2
    # Weights 1/d turn offsets into unit vectors r_ij; coincident agents have offset 0.
    inv = 1.0 / np.sqrt(np.maximum(d2, zones.TINY))
    w_toward = np.where(within, inv, 0.0)
    w_away = np.where(near, inv, 0.0)
    toward = np.column_stack([(w_toward * dx).sum(1), (w_toward * dy).sum(1)])
    away = -np.column_stack([(w_away * dx).sum(1), (w_away * dy).sum(1)])
    avoiding = near.any(axis=1)
    align = heading + within.astype(float) @ heading
    return np.where(avoiding[:, None], away, toward + align), avoiding


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(0, 60),
    box=st.sampled_from([None, 3.0, 7.0, 40.0]),
    alpha=st.sampled_from([0.0, 1.0, 2.5, 8.0, 100.0]),  # 8 > ρ = 6: repulsion reaches past ρ
    rho=st.sampled_from([0.5, 6.0, 1000.0]),
    spread=st.sampled_from([10.0, 1000.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_and_cell_list_paths_agree(n, box, alpha, rho, spread, seed):
    """The cell list gives the plain n × n reference's directions and mask.

    Both add the same terms in another order, so they match to rounding (1e-12), on a torus and
    in open space, with radii from below the spacing to beyond the arena.
    """
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, spread, (n, 2))
    if n > 3:
        pos[1] = pos[0]  # coincident agents
        pos[3] = pos[2] + [0.0, 0.5]  # inside the repulsion zone
    heading = _unit_rows(rng.normal(size=(n, 2)))
    dense = dense_social_direction(pos, heading, alpha, rho, box)
    cell = zones.social_direction(
        pos, heading, repulsion_radius=alpha, interaction_radius=rho, box=box
    )
    np.testing.assert_allclose(cell[0], dense[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(cell[1], dense[1])


def test_large_group_update_depends_only_on_the_generator():
    """A large group's update depends only on the generator: same seed, same velocities."""
    n = 160
    rng = np.random.default_rng(11)
    pos, vel = rng.uniform(0, 12, (n, 2)), rng.normal(size=(n, 2)) * DEFAULT_SPEED
    informed = rng.random(n) < 0.2
    a, b, c = (_step(pos, vel, informed, EAST, rng=np.random.default_rng(s)) for s in (3, 3, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_allclose(np.hypot(*a.T), DEFAULT_SPEED)


def _unit_rows(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.hypot(v[:, 0], v[:, 1]), 1e-12)[:, None]


def test_accuracy_rises_with_informed_fraction():
    """N = 30: mean direction error drops clearly from p = 0.05 to 0.2 and stays low at 0.5."""
    # Single runs are chaotic (another numpy build changes them), so the means are compared with
    # margins, never strictly. Over 288 seeds the means are 0.84, 0.27 and 0.13 rad, with
    # per-run sd 0.75, 0.22 and 0.10: p = 0.05 (2 informed agents) gets twice the seeds. 0.2 and
    # 0.5 are both near saturation, so their order is left to noise within 0.1 rad.
    few = _errors(30, 0.05, steps=400, seeds=24).mean()
    some, half = (_errors(30, p, steps=400, seeds=12).mean() for p in (0.2, 0.5))
    assert few > some + 0.1
    assert half < some + 0.1
    assert half < WITHIN_20_DEG


def test_without_informed_agents_the_goal_does_not_matter():
    """With p = 0, reversing ĝ leaves the run unchanged, and final errors spread round π/2."""
    toward = simulate_couzin(20, 0.0, 100, np.random.default_rng(5), goal=(1.0, 0.0))
    against = simulate_couzin(20, 0.0, 100, np.random.default_rng(5), goal=(-1.0, 0.0))
    assert toward + against == pytest.approx(math.pi)  # same heading, measured from ±ĝ
    errors = _errors(20, 0.0, steps=200, seeds=48)
    # Uniform directions: mean error π/2 with standard error (π/√12)/√48 ≈ 0.13 rad.
    assert abs(errors.mean() - math.pi / 2) < 0.5
    assert np.mean(errors < WITHIN_20_DEG) < 0.35


@pytest.mark.slow
def test_accuracy_rises_with_informed_fraction_at_n50():
    """N = 50, 12 seeds: the share of runs within 20° of ĝ rises with p to ≈ 1 (Couzin 2005 fig. 2).

    Over 192 seeds the shares at p = 0, 0.05, 0.2, 0.5 are 0.13, 0.34, 0.90 and 1.00: the curve
    saturates, so neighbours may be equal, and single runs are chaotic (another numpy build
    changes them). Hence no strict order: counts of the 12 runs may dip by up to 3 between
    neighbours, but must rise by half the runs from p = 0 to 0.5, and nearly all end within 20°.
    """
    within = [int(np.sum(_errors(50, p, 800, 12) < WITHIN_20_DEG)) for p in (0.0, 0.05, 0.2, 0.5)]
    assert all(b >= a - 3 for a, b in zip(within, within[1:], strict=False)), within
    assert within[-1] - within[0] >= 6, within
    assert within[-1] >= 11, within  # a share ≥ 0.9


@pytest.mark.slow
def test_larger_groups_need_a_smaller_informed_proportion():
    """At p = 0.1, a group of 100 keeps clearly closer to ĝ than a group of 10 (Couzin 2005 fig. 2).

    Over 192 seeds: mean error 0.67 rad (sd 0.54) at N = 10 and 0.17 rad (sd 0.14) at N = 100;
    shares within 20° 0.37 and 0.89. The noisy small group gets 48 (cheap) runs, the large 16.
    """
    small, large = _errors(10, 0.1, 800, 48), _errors(100, 0.1, 800, 16)
    assert large.mean() < small.mean() - 0.2
    assert np.mean(large < WITHIN_20_DEG) > np.mean(small < WITHIN_20_DEG) + 0.15


def _fake_model(n: int, seed: int = 0, route=((20.0, 0.0), (20.0, 20.0)), **params):
    """The attributes of the swarm model that the adapter reads (explicit waypoints, index 0)."""
    rng = np.random.default_rng(seed)
    defaults = dict(
        n_agents=n,
        speed=None,
        noise=None,
        interaction_radius=None,
        repulsion_radius=1.0,
        informed_weight=None,
        max_turn=None,
        informed_fraction=0.25,
        torus=None,
        waypoints=None,
        route="straight",
        waypoint_radius=3.0,
        **LIMITS,
    )
    return SimpleNamespace(
        pos=rng.uniform(0, 5, (n, 2)),
        vel=rng.normal(size=(n, 2)),
        active=np.arange(n) % 4 != 0,
        rng=rng,
        params=SimpleNamespace(**(defaults | params)),
        arena_size=100.0,
        route=np.asarray(route, dtype=float),
        waypoint_index=0,
        torus=False,
    )


def test_adapter_picks_round_p_n_informed_agents():
    """The adapter marks exactly round(p·N) agents informed, chosen with the model's generator."""
    for n, p in [(20, 0.25), (37, 0.1), (10, 0.0), (8, 1.0)]:
        model = _fake_model(n, informed_fraction=p)
        informed = CouzinBehaviour(model).informed
        assert informed.shape == (n,) and informed.dtype == bool
        assert informed.sum() == round(p * n)
    a, b = _fake_model(40, seed=2), _fake_model(40, seed=2)
    np.testing.assert_array_equal(CouzinBehaviour(a).informed, CouzinBehaviour(b).informed)


@pytest.mark.parametrize("fraction", [0.0, 0.25])
def test_adapter_moves_active_agents_at_default_speed(fraction):
    """Empty parameters take the module defaults; inactive rows come back unchanged."""
    model = _fake_model(30, informed_fraction=fraction)
    before = model.vel.copy()
    behaviour = CouzinBehaviour(model)
    new = behaviour.velocities(model)
    assert new.shape == (30, 2)
    np.testing.assert_array_equal(new[~model.active], before[~model.active])
    np.testing.assert_allclose(np.hypot(*new[model.active].T), DEFAULT_SPEED)


def test_adapter_uses_model_parameters():
    """Given speed and max_turn are honoured."""
    model = _fake_model(30, speed=2.0, max_speed=2.0, max_turn=0.05, noise=0.0, torus=True)
    before = model.vel.copy()
    new = CouzinBehaviour(model).velocities(model)
    np.testing.assert_allclose(np.hypot(*new[model.active].T), 2.0)
    assert np.all(_angle_between(before[model.active], new[model.active]) <= 0.05 + 1e-9)


def test_adapter_honours_max_speed_and_max_accel():
    """An empty speed is capped at max_speed; the turn per step keeps |Δv| within max_accel."""
    model = _fake_model(30, max_speed=0.05, max_accel=0.005, noise=0.5)
    model.vel = CouzinBehaviour.place(model)[1]
    np.testing.assert_allclose(np.hypot(*model.vel.T), 0.05)
    before = model.vel.copy()
    new = CouzinBehaviour(model).velocities(model)
    np.testing.assert_allclose(np.hypot(*new[model.active].T), 0.05)
    turns = _angle_between(before[model.active], new[model.active])
    assert turns.max() <= turn_limit(0.05, 0.005) + 1e-9 < DEFAULT_MAX_TURN  # the bound binds
    assert np.hypot(*(new - before)[model.active].T).max() <= 0.005 + 1e-12


def test_place_starts_one_cohesive_group_at_the_route_start():
    """Placement: N rows in a √N·α square round the start, at the set speed, random headings."""
    for waypoints, centre in [(((5.0, 7.0), (50.0, 7.0)), (5.0, 7.0)), (None, (20.0, 50.0))]:
        model = _fake_model(49, waypoints=waypoints, speed=0.3, repulsion_radius=2.0)
        pos, vel = CouzinBehaviour.place(model)
        assert pos.shape == vel.shape == (49, 2)
        assert np.all(np.abs(pos - centre) <= 0.5 * math.sqrt(49) * 2.0)
        np.testing.assert_allclose(np.hypot(*vel.T), 0.3)
        heading = np.arctan2(vel[:, 1], vel[:, 0])
        assert np.hypot(np.cos(heading).mean(), np.sin(heading).mean()) < 0.5  # not aligned
    again = _fake_model(49, waypoints=waypoints, speed=0.3, repulsion_radius=2.0)
    np.testing.assert_array_equal(CouzinBehaviour.place(again)[0], pos)


def test_place_with_default_parameters_gives_the_default_speed():
    """Empty speed and a zero repulsion radius still give a spread group at the default speed."""
    model = _fake_model(16, repulsion_radius=0.0)
    pos, vel = CouzinBehaviour.place(model)
    assert np.ptp(pos[:, 0]) > 0.5
    np.testing.assert_allclose(np.hypot(*vel.T), DEFAULT_SPEED)


def test_goal_stays_fixed_along_a_leg():
    """ĝ points from the starting centroid to the waypoint and ignores later moves of the group."""
    model = _fake_model(8, route=((10.0, 0.0), (10.0, 10.0)))
    model.pos = np.zeros((8, 2))
    model.active = np.ones(8, dtype=bool)
    behaviour = CouzinBehaviour(model)
    np.testing.assert_allclose(behaviour.update_goal(model), EAST)
    model.pos = model.pos + [6.0, 4.0]  # off to one side: a steered goal would swing round
    np.testing.assert_allclose(behaviour.update_goal(model), EAST)
    assert behaviour.bearings_taken == 1


def test_goal_is_retaken_when_the_waypoint_changes():
    """A new leg takes its bearing from where the group is when the waypoint becomes current."""
    model = _fake_model(4, route=((10.0, 0.0), (10.0, 10.0)))
    model.pos, model.active = np.zeros((4, 2)), np.ones(4, dtype=bool)
    behaviour = CouzinBehaviour(model)
    behaviour.update_goal(model)
    model.pos = np.full((4, 2), [10.0, 2.0])
    model.waypoint_index = 1
    np.testing.assert_allclose(behaviour.update_goal(model), [0.0, 1.0])
    model.waypoint_index = 2  # route done: ĝ keeps its last value
    model.pos = model.pos + [30.0, -30.0]
    np.testing.assert_allclose(behaviour.update_goal(model), [0.0, 1.0])
    assert behaviour.bearings_taken == 2


def test_goal_is_retaken_after_the_group_passes_the_waypoint():
    """A group that passes beside the waypoint takes a new bearing back toward it."""
    model = _fake_model(4, route=((10.0, 0.0),))
    model.pos, model.active = np.zeros((4, 2)), np.ones(4, dtype=bool)
    behaviour = CouzinBehaviour(model)
    behaviour.update_goal(model)
    model.pos = np.full((4, 2), [12.0, 8.0])  # within the radius along ĝ: keep the bearing
    np.testing.assert_allclose(behaviour.update_goal(model), EAST)
    model.pos = np.full((4, 2), [14.0, 8.0])  # 4 m past it, beyond waypoint_radius = 3 m
    np.testing.assert_allclose(behaviour.update_goal(model), [-4.0, -8.0] / np.hypot(4, 8))
    assert behaviour.bearings_taken == 2


def test_goal_needs_active_agents():
    """With nobody active no bearing can be taken: ĝ is None until someone is."""
    model = _fake_model(4)
    model.active = np.zeros(4, dtype=bool)
    behaviour = CouzinBehaviour(model)
    assert behaviour.update_goal(model) is None
    assert behaviour.velocities(model).shape == (4, 2)


def test_informed_agents_steer_by_the_hooked_goal():
    """Fully informed, spread-out agents come round to the leg's bearing, not to the waypoint."""
    model = _fake_model(5, route=((0.0, 50.0),), informed_fraction=1.0, noise=0.0)
    model.pos = np.array([[0.0, 0.0], [40.0, 0.0], [80.0, 0.0], [120.0, 0.0], [160.0, 0.0]])
    model.active = np.ones(5, dtype=bool)
    behaviour = CouzinBehaviour(model)
    goal = behaviour.update_goal(model)
    for _ in range(60):
        model.vel = behaviour.velocities(model)
        model.pos = model.pos + model.vel
    np.testing.assert_allclose(model.vel / DEFAULT_SPEED, np.tile(goal, (5, 1)), atol=1e-9)
    assert not np.allclose(goal, [0.0, 1.0])  # the bearing, from the centroid (80, 0)


def test_adapter_with_everyone_active_matches_the_direct_update():
    """All agents active: the adapter gives `couzin_velocity` of all rows, same generator."""
    model = _fake_model(30)
    model.active = np.ones(30, dtype=bool)
    behaviour = CouzinBehaviour(model)
    goal = behaviour.update_goal(model)
    rng = copy.deepcopy(model.rng)
    expected = _step(model.pos, model.vel, behaviour.informed, goal, rng=rng)
    np.testing.assert_array_equal(behaviour.velocities(model), expected)


def test_group_centre_is_the_mean_of_the_active_rows():
    """The bearing's centroid equals pos[active].mean(axis=0) exactly, all active or not."""
    rng = np.random.default_rng(2)
    pos = rng.uniform(-500.0, 500.0, (37, 2))
    for active in (np.ones(37, dtype=bool), rng.random(37) < 0.5):
        expected = pos[active].mean(axis=0)
        np.testing.assert_array_equal(couzin_module._centroid(pos, active), expected)

"""Vicsek et al. (1995): the update rule, its invariants and the order-versus-noise trend."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.behaviours.vicsek import (
    DEFAULT_NOISE,
    DEFAULT_RADIUS,
    DEFAULT_SPEED,
    VicsekBehaviour,
    neighbour_headings,
    order_parameter,
    simulate_vicsek,
    vicsek_velocity,
)
from sim.kinematics import turn_limit
from sim.neighbours import dense_d2
from sim.params import specs

LIMITS = {name: specs()[name]["default"] for name in ("max_speed", "max_accel")}  # SwarmParams'


def _steady_order(n: int, noise: float, steps: int, seeds: int, keep: int) -> float:
    """Order averaged over the last `keep` steps and over `seeds` runs."""
    runs = [simulate_vicsek(n, noise, steps, np.random.default_rng(s)) for s in range(seeds)]
    return float(np.mean([series[-keep:].mean() for series in runs]))


def _heading(vel: np.ndarray) -> np.ndarray:
    return np.arctan2(vel[:, 1], vel[:, 0])


def test_order_parameter_limits():
    """Order is 1 for a common heading, 0 for opposite pairs and NaN for nobody."""
    assert order_parameter(np.array([[1.0, 0.0], [3.0, 0.0]])) == pytest.approx(1.0)
    assert order_parameter(np.array([[1.0, 0.0], [-2.0, 0.0]])) == pytest.approx(0.0)
    assert math.isnan(order_parameter(np.zeros((0, 2))))


def test_neighbours_within_radius_share_their_mean_heading():
    """Without noise, two agents within r both take the angle of their summed unit headings."""
    pos = np.array([[0.0, 0.0], [0.5, 0.0], [5.0, 5.0]])
    vel = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, -1.0]])
    new = vicsek_velocity(pos, vel, speed=0.03, radius=1.0, noise=0.0, rng=np.random.default_rng(0))
    np.testing.assert_allclose(_heading(new), [math.pi / 4, math.pi / 4, -math.pi / 2])


def test_periodic_box_links_agents_across_the_edge():
    """In a periodic box, agents near opposite edges are neighbours; in open space they are not."""
    pos = np.array([[0.1, 1.0], [3.9, 1.0]])
    vel = np.array([[1.0, 0.0], [0.0, 1.0]])
    rng = np.random.default_rng(0)
    wrapped = vicsek_velocity(pos, vel, speed=1.0, radius=1.0, noise=0.0, rng=rng, box=4.0)
    open_space = vicsek_velocity(pos, vel, speed=1.0, radius=1.0, noise=0.0, rng=rng)
    np.testing.assert_allclose(_heading(wrapped), [math.pi / 4, math.pi / 4])
    np.testing.assert_allclose(_heading(open_space), [0.0, math.pi / 2])


def test_noise_is_bounded_by_half_its_width():
    """An isolated agent's heading changes by at most η/2 per step."""
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 1000, (50, 2))  # far apart: nobody has a neighbour
    vel = np.column_stack([np.ones(50), np.zeros(50)])
    new = vicsek_velocity(pos, vel, speed=0.03, radius=1.0, noise=0.4, rng=rng)
    assert np.all(np.abs(_heading(new)) <= 0.2 + 1e-12)
    assert np.ptp(_heading(new)) > 0.2  # the noise actually spreads the headings


def test_order_near_one_at_low_noise():
    """Paper setup (v0 = 0.03, r = 1, density 4, periodic): at η = 0.1 the group orders."""
    assert _steady_order(100, 0.1, steps=300, seeds=3, keep=100) > 0.95


def test_order_falls_as_noise_grows():
    """Order falls clearly at each of η = 0.5 → 2 → 4 (N = 100, 3 seeds, after a transient)."""
    orders = [_steady_order(100, eta, steps=400, seeds=3, keep=200) for eta in (0.5, 2.0, 4.0)]
    # Over 48 seeds: 0.988, 0.816 and 0.333 (per-run sd ≤ 0.02); in 16 disjoint triples of seeds
    # the falls were at least 0.17 and 0.46 (time averages vary little between runs or builds).
    assert orders[0] - orders[1] > 0.05 and orders[1] - orders[2] > 0.05, orders
    assert orders[0] - orders[2] > 0.3


@pytest.mark.slow
def test_order_falls_as_noise_grows_at_paper_size():
    """With N = 400 (Vicsek 1995 fig. 2) order falls from ≈ 1 to well below 0.5 as η rises to 4."""
    etas = (0.1, 1.0, 2.0, 3.0, 4.0)
    orders = [_steady_order(400, eta, steps=800, seeds=3, keep=300) for eta in etas]
    # Over 18 seeds: 0.9995, 0.944, 0.782, 0.535, 0.205 (per-run sd ≤ 0.03); in 6 disjoint
    # triples of seeds every step fell by at least 0.05, many standard errors of a 3-seed mean.
    assert all(a - b > 0.02 for a, b in zip(orders, orders[1:], strict=False)), orders
    assert orders[0] > 0.98
    assert orders[-1] < 0.5


def test_same_seed_same_result():
    """A run is a function of its seed: same seed, identical series; other seed, different."""
    a = simulate_vicsek(40, 1.0, 50, np.random.default_rng(7))
    b = simulate_vicsek(40, 1.0, 50, np.random.default_rng(7))
    c = simulate_vicsek(40, 1.0, 50, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


_coords = st.floats(-3.0, 3.0, allow_nan=False, width=32)


@settings(max_examples=80, deadline=None)
@given(
    data=st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            hnp.arrays(float, (n, 2), elements=_coords),
            hnp.arrays(float, (n, 2), elements=_coords),
        )
    ),
    noise=st.floats(0.0, 2 * math.pi),
    box=st.sampled_from([None, 2.0, 6.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_output_is_finite_with_constant_speed(data, noise, box, seed):
    """Any small input (coincident agents, agents at rest, any box) gives finite speed-v0 rows."""
    pos, vel = data
    new = vicsek_velocity(
        pos, vel, speed=0.03, radius=1.0, noise=noise, rng=np.random.default_rng(seed), box=box
    )
    assert new.shape == pos.shape
    assert np.all(np.isfinite(new))
    np.testing.assert_allclose(np.hypot(new[:, 0], new[:, 1]), 0.03)


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(0, 60),
    box=st.sampled_from([None, 2.0, 6.0, 40.0]),
    radius=st.sampled_from([0.5, 1.0, 3.0, 1000.0]),
    spread=st.sampled_from([8.0, 1000.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_neighbour_sums_agree_with_all_pairs(n, box, radius, spread, seed):
    """The cell list's sums and the whole-arena shortcut both give the all-pairs sums.

    A radius of 1000 reaches across every periodic arena drawn, so it takes the shortcut (the
    sum of all headings). Each adds the same terms in its own order, so they match the n × n
    reference to rounding (1e-12).
    """
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, spread, (n, 2))
    if n > 1:
        pos[1] = pos[0]  # coincident agents
    own = rng.normal(size=(n, 2))
    own /= np.maximum(np.hypot(own[:, 0], own[:, 1]), 1e-12)[:, None]
    reference = (dense_d2(pos, box) <= radius**2).astype(float) @ own
    np.testing.assert_allclose(neighbour_headings(pos, own, radius, box), reference, atol=1e-12)


def test_bounded_turn_caps_the_heading_change_noise_included():
    """max_turn bounds every heading change; max_turn = π is exactly the paper's update."""
    rng = np.random.default_rng(3)
    pos, vel = rng.uniform(0, 3, (60, 2)), rng.normal(size=(60, 2))
    kwargs = dict(speed=0.03, radius=1.0, noise=2.0, box=3.0)
    free = vicsek_velocity(pos, vel, rng=np.random.default_rng(1), **kwargs)
    same = vicsek_velocity(pos, vel, rng=np.random.default_rng(1), max_turn=math.pi, **kwargs)
    np.testing.assert_array_equal(same, free)
    bounded = vicsek_velocity(pos, vel, rng=np.random.default_rng(1), max_turn=0.1, **kwargs)
    turn = np.remainder(_heading(bounded) - _heading(vel) + math.pi, 2 * math.pi) - math.pi
    assert np.abs(turn).max() <= 0.1 + 1e-12
    assert (
        np.abs(np.remainder(_heading(free) - _heading(vel) + math.pi, 2 * math.pi) - math.pi).max()
        > 0.5
    )
    np.testing.assert_allclose(np.hypot(*bounded.T), 0.03)


def _fake_model(n: int, seed: int = 0, **params) -> SimpleNamespace:
    """The attributes of the swarm model that the adapter reads."""
    rng = np.random.default_rng(seed)
    defaults = dict(
        n_agents=n, speed=None, noise=None, interaction_radius=None, torus=None, **LIMITS
    )
    return SimpleNamespace(
        pos=rng.uniform(0, 5, (n, 2)),
        vel=rng.normal(size=(n, 2)),
        active=np.arange(n) % 4 != 0,
        rng=rng,
        params=SimpleNamespace(**(defaults | params)),
        arena_size=5.0,
    )


def test_adapter_moves_active_agents_at_default_speed():
    """Empty parameters take the module defaults; inactive rows come back unchanged."""
    model = _fake_model(30)
    before = model.vel.copy()
    new = VicsekBehaviour(model).velocities(model)
    assert new.shape == (30, 2)
    np.testing.assert_array_equal(new[~model.active], before[~model.active])
    np.testing.assert_allclose(np.hypot(*new[model.active].T), DEFAULT_SPEED)
    assert DEFAULT_RADIUS == 1.0 and DEFAULT_NOISE < 1.0


def test_adapter_uses_model_parameters_and_generator():
    """Given parameters are used, and the same model seed gives the same velocities."""
    a = _fake_model(30, seed=3, speed=0.5, noise=1.0)
    b = _fake_model(30, seed=3, speed=0.5, noise=1.0)
    va, vb = VicsekBehaviour(a).velocities(a), VicsekBehaviour(b).velocities(b)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(np.hypot(*va[a.active].T), 0.5)


def test_adapter_with_default_limits_is_the_published_update():
    """With the default max_speed and max_accel the adapter is `vicsek_velocity`, bit for bit."""
    model = _fake_model(40, seed=2)
    expected = vicsek_velocity(
        model.pos[model.active],
        model.vel[model.active],
        speed=DEFAULT_SPEED,
        radius=DEFAULT_RADIUS,
        noise=DEFAULT_NOISE,
        rng=np.random.default_rng(2),
        box=5.0,
    )
    model.rng = np.random.default_rng(2)
    np.testing.assert_array_equal(VicsekBehaviour(model).velocities(model)[model.active], expected)


def test_adapter_honours_max_speed_and_max_accel():
    """An empty speed is capped at max_speed, and turns keep |Δv| within max_accel."""
    model = _fake_model(40, max_speed=0.02, max_accel=0.005, noise=3.0)
    model.vel = VicsekBehaviour.place(model)[1]
    before = model.vel.copy()
    new = VicsekBehaviour(model).velocities(model)
    np.testing.assert_allclose(np.hypot(*new.T), 0.02)
    turn = np.remainder(_heading(new) - _heading(before) + math.pi, 2 * math.pi) - math.pi
    assert 0 < turn_limit(0.02, 0.005) < 1.0
    assert np.abs(turn).max() <= turn_limit(0.02, 0.005) + 1e-9
    assert np.hypot(*(new - before).T).max() <= 0.005 + 1e-12


def test_place_fills_the_box_at_the_set_speed():
    """Placement: positions uniform over [0, L)², speed v0, headings spread, from the model rng."""
    model = _fake_model(400, speed=0.05)
    model.arena_size = 10.0
    pos, vel = VicsekBehaviour.place(model)
    assert pos.shape == vel.shape == (400, 2)
    assert np.all((pos >= 0.0) & (pos < 10.0))
    assert np.ptp(pos[:, 0]) > 8.0 and np.ptp(pos[:, 1]) > 8.0
    np.testing.assert_allclose(np.hypot(*vel.T), 0.05)
    assert order_parameter(vel) < 0.2  # random headings: order ≈ 1/√N
    again = _fake_model(400, speed=0.05)
    again.arena_size = 10.0
    np.testing.assert_array_equal(VicsekBehaviour.place(again)[1], vel)


def test_nobody_is_informed_and_there_is_no_goal():
    """Vicsek has no preferred direction and no informed agents."""
    model = _fake_model(12)
    behaviour = VicsekBehaviour(model)
    assert behaviour.goal is None
    assert behaviour.informed.shape == (12,) and not behaviour.informed.any()

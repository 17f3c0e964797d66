"""Point-agent kinematics (`sim.kinematics`): limits, arrival, and the braking constraint."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kinematics import (
    arrival_one,
    arrival_velocity,
    braking_push,
    closing_limit,
    spread_within,
    steer,
    steer_one,
    stopping_distance,
)

SPEED = st.floats(-5, 5)
ACCEL = st.floats(0.001, 10)


def stopping_gap(closing: float, max_accel: float) -> float:
    """Distance a pair closing at `closing` covers before it stops (as `closing_limit` assumes).

    One step of reaction at that speed, then both brake at max_accel (relative deceleration 2a).
    """
    return closing + closing**2 / (4 * max_accel)


@settings(max_examples=200)
@given(st.floats(0, 200), st.floats(0, 10), ACCEL)
def test_closing_limit_stops_the_pair_margin_apart(dist, margin, max_accel):
    """At the closing limit a pair stops `margin` apart; none closer than margin may close."""
    c = float(closing_limit(np.array([dist]), margin, max_accel)[0])
    assert c >= 0
    if dist <= margin:
        assert c == 0
    else:
        assert stopping_gap(c, max_accel) == pytest.approx(dist - margin, rel=1e-9, abs=1e-9)


@settings(max_examples=200)
@given(st.floats(0, 20), st.floats(0, 10), ACCEL, st.floats(0, 1))
def test_no_pair_beyond_the_stopping_distance_needs_braking(closing, margin, max_accel, more):
    """From `stopping_distance(c)` on, the closing limit is at least c (and only just above)."""
    reach = stopping_distance(closing, margin, max_accel)
    dist = np.array([reach, reach * (1 + more), reach + 100 * more])
    assert np.all(closing_limit(dist, margin, max_accel) >= closing)
    near = stopping_gap(closing, max_accel) + margin
    assert near == pytest.approx(reach, rel=1e-5, abs=1e-8 * (max_accel + closing))


@settings(max_examples=100)
@given(st.floats(0.1, 100), st.floats(0, 2), ACCEL, st.floats(0, 20), st.floats(0, 1))
def test_braking_push_slows_only_pairs_too_fast_to_stop(dist, margin, max_accel, closing, cross):
    """A pair closing faster than the limit is slowed to it, symmetrically; a slower pair is not."""
    pos = np.array([[0.0, 0.0], [dist, 0.0]])
    vel = np.array([[closing / 2, cross], [-closing / 2, cross]])
    limit = float(closing_limit(np.array([dist]), margin, max_accel)[0])
    push, any_fast = braking_push(pos, vel, np.array([[0, 1]]), np.array([dist]), margin, max_accel)
    assert any_fast == (closing > limit)
    np.testing.assert_allclose(push[0], -push[1], atol=0)  # equal and opposite
    assert np.all(push[:, 1] == 0)  # along the line between them only
    if closing <= limit:
        assert not push.any()
    else:
        after = vel + push
        assert after[0, 0] - after[1, 0] == pytest.approx(limit, rel=1e-9, abs=1e-12)


def test_braking_push_ignores_pairs_moving_apart_or_side_by_side():
    """Pairs that are separating or flying in parallel need no correction, however close."""
    pos = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    vel = np.array([[-1.0, 0.5], [1.0, 0.5], [-1.0, 0.5]])
    pairs = np.array([[0, 1], [0, 2]])
    push, fast = braking_push(pos, vel, pairs, np.array([1.0, 1.0]), 0.3, 0.2)
    assert not fast and not push.any()


def braking_push_reference(pos, vel, pairs, dist, margin, max_accel):
    """The braking constraint written plainly over every pair (no closing-pairs filter)."""
    out = np.zeros_like(pos)
    i, j = pairs[:, 0], pairs[:, 1]
    unit = (pos[j] - pos[i]) / np.maximum(dist, 1e-9)[:, None]
    closing = np.einsum("ij,ij->i", vel[i] - vel[j], unit)
    excess = closing - closing_limit(dist, margin, max_accel)
    fast = excess > 0
    half = unit[fast] * (0.5 * excess[fast])[:, None]
    np.add.at(out, i[fast], -half)
    np.add.at(out, j[fast], half)
    return out, bool(fast.any())


@pytest.mark.parametrize("seed", range(20))
def test_braking_push_equals_its_plain_reference_bit_for_bit(seed):
    """Skipping the separating pairs first changes no bit of the corrections."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    pos = rng.uniform(0, 10 + n / 10, (n, 2))
    vel = rng.normal(0, rng.uniform(0.1, 3), (n, 2))
    i, j = np.triu_indices(n, 1)
    pairs = np.column_stack([i, j])
    d = pos[j] - pos[i]
    dist = np.abs(d.view(np.complex128)[:, 0])
    margin, accel = rng.uniform(0, 2), rng.uniform(0.01, 2)
    got, any_fast = braking_push(pos, vel, pairs, dist, margin, accel)
    want, want_fast = braking_push_reference(pos, vel, pairs, dist, margin, accel)
    assert any_fast == want_fast
    assert got.tobytes() == want.tobytes()


@settings(max_examples=200)
@given(SPEED, SPEED, st.floats(-50, 50), st.floats(-50, 50), st.floats(0.01, 20), ACCEL)
def test_steer_and_steer_one_agree_and_keep_the_limits(vx, vy, dx, dy, max_speed, max_accel):
    """The vector and one-agent steering give the same velocity, within both limits."""
    vel = np.array([[vx, vy]])
    new, accel = steer(vel, np.array([[dx, dy]]), max_speed, max_accel)
    one = steer_one(vx, vy, dx, dy, max_speed, max_accel)
    np.testing.assert_allclose(one, new[0], rtol=1e-12, atol=1e-12)
    assert math.hypot(*new[0]) <= max_speed * (1 + 1e-12)
    if math.hypot(vx, vy) <= max_speed:  # from a legal velocity, the change is within the limit
        assert math.hypot(*(new[0] - vel[0])) <= max_accel * (1 + 1e-12)
    assert math.hypot(*accel[0]) <= max_accel * (1 + 1e-12)


@settings(max_examples=200)
@given(st.floats(-100, 100), st.floats(-100, 100), st.floats(0, 1), ACCEL)
def test_arrival_never_overshoots(ex, ey, gain, max_accel):
    """The arrival correction points at the target, is no longer than the gap, and can stop."""
    error = np.array([[ex, ey]])
    v = arrival_velocity(error, gain, max_accel)[0]
    np.testing.assert_allclose(arrival_one(ex, ey, gain, max_accel), v, rtol=1e-12, atol=1e-12)
    dist, speed = math.hypot(ex, ey), math.hypot(*v)
    assert speed <= gain * dist * (1 + 1e-12)  # one step of it never passes the target
    assert speed <= math.sqrt(2 * max_accel * dist) * (1 + 1e-12)  # and it can still stop
    if speed > 0:
        assert np.dot(v, error[0]) == pytest.approx(speed * dist)  # straight at the target


def test_arrival_closes_a_gap_without_passing_the_target():
    """A follower that chases its slot with the arrival law under the limits never passes it."""
    pos, vel, target = np.zeros((1, 2)), np.zeros((1, 2)), np.array([[30.0, 0.0]])
    xs = []
    for _ in range(400):
        desired = arrival_velocity(target - pos, 0.2, 0.2)
        vel, _ = steer(vel, desired, 1.0, 0.2)
        pos = pos + vel
        xs.append(pos[0, 0])
    assert max(xs) <= 30.0 and xs[-1] == pytest.approx(30.0, abs=1e-3)


def test_spread_within_gives_the_verdict_of_pow_squares_even_at_a_tie():
    """spread_within decides as 2·√max((x − x̄)**2 + …) <= limit does, at and next to a tie."""
    rng = np.random.default_rng(5)
    cases = []
    for _ in range(2000):  # random groups
        n = int(rng.integers(1, 25))
        cases.append(
            ((rng.normal(size=n) * 0.3 + 0.5).tolist(), (rng.normal(size=n) * 0.3).tolist())
        )
    # pairs ±(a, b) around a zero mean where x·x + y·y and x**2 + y**2 give different bounds
    a, b = (rng.normal(size=(2, 200_000)) * 0.5).tolist()
    odd = [
        (x, y)
        for x, y in zip(a, b, strict=True)
        if math.sqrt(x * x + y * y) != math.sqrt(x**2 + y**2)
    ]
    assert odd
    cases += [([x, -x], [y, -y]) for x, y in odd]
    for xs, ys in cases:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        pairs = zip(xs, ys, strict=True)
        tie = 2.0 * math.sqrt(max((x - mx) ** 2 + (y - my) ** 2 for x, y in pairs))
        for limit in (
            tie,
            math.nextafter(tie, 0.0),
            math.nextafter(tie, 9.0),
            tie * 0.9,
            tie * 1.1,
        ):
            assert spread_within(xs, ys, limit) == (tie <= limit)

"""Boids that follow a leader (`sim.behaviours.flock`), held to the rules as Reynolds states."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.behaviours.flock import (
    ALIGNMENT_WEIGHT,
    COHESION_WEIGHT,
    LEADER_ALIGN,
    LEADER_WEIGHT,
    SEPARATION_WEIGHT,
    flock_velocity,
)

SEP = 2.0


def reference(pos, vel, pairs, leader_pos, leader_vel, flock_radius, max_accel):
    """The rules agent by agent: mean alignment and cohesion, summed separation, leader pull."""
    n = len(pos)
    out = vel.astype(float).copy()
    seen = [[] for _ in range(n)]
    for a, b in pairs:
        seen[a].append(b)
        seen[b].append(a)
    for k in range(n):
        if seen[k]:
            others = np.array(seen[k])
            out[k] += ALIGNMENT_WEIGHT * (vel[others].mean(axis=0) - vel[k])
            out[k] += COHESION_WEIGHT * (pos[others].mean(axis=0) - pos[k])
            for o in others:
                gap = pos[k] - pos[o]
                d = math.hypot(*gap)
                if d < SEP:
                    out[k] += SEPARATION_WEIGHT * (SEP - d) * gap / max(d, 1e-9)
        if leader_pos is not None:
            gap = leader_pos - pos[k]
            d = math.hypot(*gap)
            if d > flock_radius:
                target = gap * (1 - flock_radius / d)
                dt = math.hypot(*target)
                speed = min(LEADER_WEIGHT * dt, math.sqrt(2 * max_accel * dt))
                out[k] += target * speed / max(dt, 1e-12)
        if leader_vel is not None:
            out[k] += LEADER_ALIGN * (leader_vel - vel[k])
    return out


POINT = st.tuples(st.floats(-20, 20), st.floats(-20, 20))


@settings(max_examples=150)
@given(
    st.lists(st.tuples(POINT, POINT), min_size=1, max_size=10),
    st.data(),
    st.one_of(st.none(), POINT),
    st.floats(0, 10),
)
def test_vector_rules_equal_the_rules_agent_by_agent(agents, data, leader, flock_radius):
    """The vectorised sums give what each agent computes from its own neighbours."""
    pos = np.array([p for p, _ in agents])
    vel = np.array([v for _, v in agents])
    n = len(pos)
    every = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = data.draw(st.lists(st.sampled_from(every), unique=True)) if every else []
    pairs = np.array(chosen, dtype=np.intp).reshape(-1, 2)
    lead = None if leader is None else np.array(leader)
    lead_vel = None if leader is None else np.array([0.3, -0.1])
    got = flock_velocity(
        pos,
        vel,
        pairs,
        lead,
        separation_radius=SEP,
        max_accel=0.2,
        leader_vel=lead_vel,
        flock_radius=flock_radius,
    )
    want = reference(pos, vel, pairs, lead, lead_vel, flock_radius, 0.2)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_alone_a_boid_keeps_its_velocity():
    """No neighbours, no leader: the desired velocity is the current one."""
    vel = np.array([[0.4, -0.2]])
    out = flock_velocity(np.zeros((1, 2)), vel, np.zeros((0, 2), int), None, **_LIMITS)
    np.testing.assert_array_equal(out, vel)


_LIMITS = dict(separation_radius=SEP, max_accel=0.2)


def test_two_close_boids_push_apart_equally():
    """Inside the separation radius the pair is pushed apart, by equal and opposite amounts."""
    pos = np.array([[0.0, 0.0], [1.0, 0.0]])
    out = flock_velocity(pos, np.zeros((2, 2)), np.array([[0, 1]]), None, **_LIMITS)
    assert out[0, 0] < 0 < out[1, 0]
    np.testing.assert_allclose(out[0], -out[1])


def test_distant_neighbours_draw_together_and_align():
    """Beyond the separation radius: cohesion pulls the pair together, alignment evens speeds."""
    pos = np.array([[0.0, 0.0], [10.0, 0.0]])
    vel = np.array([[0.0, 1.0], [0.0, 0.0]])
    out = flock_velocity(pos, vel, np.array([[0, 1]]), None, **_LIMITS)
    assert out[0, 0] > 0 > out[1, 0]  # toward each other
    assert abs(out[0, 1] - out[1, 1]) < abs(vel[0, 1] - vel[1, 1])  # more alike


def test_the_leader_only_gathers_stragglers():
    """Within flock_radius of the leader there is no pull; beyond it, a pull toward the leader."""
    pos = np.array([[3.0, 0.0], [30.0, 0.0]])
    kw = dict(_LIMITS, flock_radius=5.0)
    out = flock_velocity(pos, np.zeros((2, 2)), np.zeros((0, 2), int), np.zeros(2), **kw)
    np.testing.assert_array_equal(out[0], [0.0, 0.0])
    assert out[1, 0] < 0 and out[1, 1] == 0
    assert math.hypot(*out[1]) <= math.sqrt(2 * 0.2 * 25.0) + 1e-12  # arrival cap over 25 m

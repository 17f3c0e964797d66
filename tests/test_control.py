"""Steering laws (`sim.control`): the leader's flight along its route, a follower's slot law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.control import FOLLOW_GAIN, Flight, slot_velocity, slot_velocity_one, steer_flight
from sim.kinematics import steer
from sim.model import SwarmModel

ANGLE = st.floats(-math.pi, math.pi)
COORD = st.floats(-100, 100)


def angle_between(a: float, b: float) -> float:
    """Smallest absolute difference of two angles (rad)."""
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


def fly(route, heading, *, cruise, max_accel, radius, max_speed=None, steps=3000):
    """Fly a leader from the origin with steer_flight under the limits, as the model does.

    A waypoint within `radius` counts as reached (as `Mission.reach_waypoints`). Returns the
    positions (steps+1, 2), the heading and frame turns of each step (steps, 2) and the step at
    which the last waypoint was reached (None: never).
    """
    route = np.asarray(route, dtype=float)
    max_speed = max_speed or 2 * cruise
    turn = max_accel / cruise  # as LeaderMode: the leader turns at most a/v per step
    flight = Flight(0, 0, heading, heading)
    pos, vel = np.zeros(2), np.zeros((1, 2))
    track, turns, arrived = [pos], [], None
    for t in range(steps):
        desired = steer_flight(flight, pos, route, cruise, max_accel, turn, turn)
        vel, _ = steer(vel, desired[None], max_speed, max_accel)
        pos = pos + vel[0]
        track.append(pos)
        turns.append((flight.turn, flight.frame_turn))
        index = flight.waypoint_index
        if index < len(route) and math.hypot(*(pos - route[index])) <= radius:
            flight.waypoint_index += 1
            if flight.waypoint_index == len(route):
                arrived = t
        if arrived is not None and not vel.any():
            break
    return np.array(track), np.array(turns), arrived


@settings(max_examples=200)
@given(
    heading=ANGLE,
    frame=ANGLE,
    pos=st.tuples(COORD, COORD),
    waypoint=st.tuples(COORD, COORD),
    last=st.booleans(),
    cruise=st.floats(0.05, 10),
    max_accel=st.floats(0.001, 10),
    max_turn=st.floats(0.0, math.pi),
    frame_turn=st.floats(0.0, math.pi),
)
def test_one_step_turns_at_most_max_turn_and_flies_its_heading(
    heading, frame, pos, waypoint, last, cruise, max_accel, max_turn, frame_turn
):
    """The heading turns toward the waypoint by ≤ max_turn, the frame by ≤ frame_turn.

    The speed is at most cruise.

    At the last waypoint the speed is also ≤ √(2·a·d), from which the leader can still stop.
    """
    route = np.array([[500.0, 500.0], waypoint] if last else [waypoint, [500.0, 500.0]])
    index = 1 if last else 0
    flight = Flight(0, index, heading, frame)
    v = steer_flight(flight, np.array(pos), route, cruise, max_accel, max_turn, frame_turn)
    assert abs(flight.turn) <= max_turn + 1e-12 and abs(flight.frame_turn) <= frame_turn + 1e-12
    assert flight.heading == pytest.approx(heading + flight.turn)
    bearing = math.atan2(waypoint[1] - pos[1], waypoint[0] - pos[0])
    assert angle_between(flight.heading, bearing) <= angle_between(heading, bearing) + 1e-12
    speed = math.hypot(*v)
    assert speed <= cruise * (1 + 1e-12)
    if speed > 0:  # it flies along its new heading
        assert angle_between(math.atan2(v[1], v[0]), flight.heading) < 1e-9
    if last:
        d = math.hypot(waypoint[0] - pos[0], waypoint[1] - pos[1])
        assert speed <= math.sqrt(2 * max_accel * d) * (1 + 1e-12) + 1e-12


def test_past_the_route_end_the_leader_wants_to_stop():
    """With every waypoint reached the desired velocity is zero and nothing turns."""
    flight = Flight(0, 1, 0.3, 0.2, turn=0.1, frame_turn=0.1)
    v = steer_flight(flight, np.zeros(2), np.array([[5.0, 5.0]]), 1.0, 0.2, 0.4, 0.1)
    assert not v.any() and flight.turn == flight.frame_turn == 0.0
    assert (flight.heading, flight.frame_heading) == (0.3, 0.2)


@settings(max_examples=40)
@given(heading=ANGLE, bearing=ANGLE, dist=st.floats(0, 80))
def test_leader_arrives_and_stops_at_the_last_waypoint(heading, bearing, dist):
    """With the default limits the leader reaches the last waypoint and stops inside its radius."""
    route = [[dist * math.cos(bearing), dist * math.sin(bearing)]]
    track, _, arrived = fly(route, heading, cruise=0.5, max_accel=0.2, radius=3.0)
    assert arrived is not None
    assert math.hypot(*(track[-1] - route[0])) <= 3.0


def test_leader_flies_a_square_route_turning_at_most_max_turn():
    """Through four corners the heading turns by at most a/v per step, the frame no faster."""
    route = [[40, 0], [40, 40], [0, 40], [0, 0]]
    track, turns, arrived = fly(route, 0.0, cruise=0.5, max_accel=0.2, radius=3.0)
    assert arrived is not None
    assert np.abs(turns).max() <= 0.2 / 0.5 + 1e-12
    assert np.all(np.abs(turns).sum(axis=0) >= 3 * math.pi / 2 - 0.1)  # three 90° corners
    assert np.hypot(*(track[-1] - route[-1])) <= 3.0


def test_leader_reaches_a_waypoint_inside_its_turning_circle():
    """A fast leader turning a corner still reaches a last waypoint 20 m past it."""
    _, _, arrived = fly([[100, 0], [100, 20]], 0.0, cruise=2.0, max_accel=0.2, radius=3.0)
    assert arrived is not None


def test_leader_with_a_large_max_accel_reaches_a_small_waypoint():
    """A straight approach with max_accel 2.38 m/step² reaches a waypoint of radius 0.19 m."""
    _, _, arrived = fly([[95, 0]], 0.0, cruise=2.585, max_accel=2.38, radius=0.19)
    assert arrived is not None


LEADER = st.tuples(COORD, COORD, st.floats(-2, 2), st.floats(-2, 2), ANGLE)


@settings(max_examples=100)
@given(
    st.lists(st.tuples(COORD, COORD, st.integers(0, 5), LEADER), min_size=1, max_size=8),
    st.floats(0.001, 10),
)
def test_slot_velocity_and_slot_velocity_one_agree(rows, max_accel):
    """The vector slot law and its one-agent twin give the same desired velocities."""
    offsets = np.array([[-4.0, 4.0], [-4.0, -4.0], [-8.0, 8.0], [-8.0, -8.0], [0, 0], [3, 1]])
    est = np.array([[x, y] for x, y, _, _ in rows])
    slots = np.array([s for _, _, s, _ in rows])
    lead = np.array([leader for *_, leader in rows])
    vector = slot_velocity(est, slots, offsets, lead[:, :2], lead[:, 2:4], lead[:, 4], max_accel)
    for k, (x, y, s, leader) in enumerate(rows):
        lx, ly, lvx, lvy, frame = leader
        believed = lx, ly, lvx, lvy, math.cos(frame), math.sin(frame)
        one = slot_velocity_one(x, y, *offsets[s], believed, max_accel)
        np.testing.assert_allclose(one, vector[k], rtol=1e-9, atol=1e-9)


def test_follower_on_its_slot_matches_the_leader_and_off_it_closes_the_gap():
    """On its slot a follower copies the leader's velocity; off it, it heads toward the slot."""
    offsets = np.array([[-4.0, 4.0]])
    lead_pos, lead_vel, frame = np.array([[10.0, 0.0]]), np.array([[0.5, 0.0]]), np.array([0.0])
    slot = lead_pos + offsets  # frame heading 0: the offset as it is
    on = slot_velocity(slot, np.array([0]), offsets, lead_pos, lead_vel, frame, 0.2)
    np.testing.assert_allclose(on, lead_vel, atol=1e-12)
    behind = slot - [[2.0, 0.0]]
    off = slot_velocity(behind, np.array([0]), offsets, lead_pos, lead_vel, frame, 0.2)
    np.testing.assert_allclose(off - lead_vel, [[FOLLOW_GAIN * 2.0, 0.0]])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(max_speed=4, waypoints=((0, 0), (100, 0), (100, 20))),  # a corner, then 20 m
        dict(max_speed=5.17, max_accel=2.38, waypoint_radius=0.19, waypoints=((0, 0), (95, 0))),
    ],
)
def test_a_fast_leader_completes_routes_it_used_to_circle_for_ever(kwargs):
    """Both runs circled or oscillated round their last waypoint for all 3000 steps before."""
    model = SwarmModel(rng=0, max_steps=3000, **kwargs)
    model.run()
    assert model.summary()["waypoints_reached"] == len(kwargs["waypoints"]) - 1
    assert model.steps < 500

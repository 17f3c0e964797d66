"""Steering: what velocity each agent wants, from what it knows.

- A **leader** flies its known route: it turns toward the current waypoint at most a/v rad per
  step (its acceleration limit), slows while facing away, and arrives at the last waypoint. Its
  slot frame turns more slowly (`frame_turn`), so that outer slots stay reachable in turns.
- A **follower** in formation tracks its slot ``p_L + R(ψ) Δ_k`` (Desai–Ostrowski–Kumar l-ψ,
  point-agent form), where the leader's state is dead-reckoned from the last heartbeat it heard:
  desired velocity = v_L + a time-optimal arrival correction toward the slot.
- A follower in a **flock** uses boids rules plus attraction to the believed leader.
- An agent that has given up on its leader — it suspects the leader is lost, stands as a
  candidate, or has voted — steers by no leader: in a formation it brakes and holds its position
  (separation still acts), in a flock it keeps only the local boids rules, until it hears a
  leader of its newest term (`sim.components.leadership`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim import kinematics

FOLLOW_GAIN = 0.2  # 1/step: how fast a follower closes the gap to its slot


@dataclass
class Flight:
    """How a leader flies: the route it knows, its progress, its heading and its slot frame."""

    route_version: int
    waypoint_index: int
    heading: float  # rad
    frame_heading: float  # rad: heading of the slot frame
    turn: float = 0.0  # heading change in the last step (rad)
    frame_turn: float = 0.0


def steer_flight(
    state: Flight,
    position: np.ndarray,
    route: np.ndarray,
    cruise: float,
    max_accel: float,
    max_turn: float,
    frame_turn: float,
) -> np.ndarray:
    """Turn a leader's flight toward its waypoint; return its desired velocity (2,).

    The leader is at `position` (its estimate) and flies `route`. Updates the flight's heading,
    frame heading and the turns of this step in place.
    """
    px, py = position.tolist()
    return np.array(steer_flight_xy(state, px, py, route, cruise, max_accel, max_turn, frame_turn))


def steer_flight_xy(
    state: Flight,
    px: float,
    py: float,
    route: np.ndarray,
    cruise: float,
    max_accel: float,
    max_turn: float,
    frame_turn: float,
) -> tuple[float, float]:
    """`steer_flight` for a leader at (px, py), in plain floats: its desired (vx, vy)."""
    if state.waypoint_index >= len(route):
        state.turn = state.frame_turn = 0.0
        return 0.0, 0.0
    wx, wy = route[state.waypoint_index].tolist()
    to_x, to_y = wx - px, wy - py
    bearing = math.atan2(to_y, to_x)
    old, old_frame = state.heading, state.frame_heading
    state.heading = kinematics.turn_toward(state.heading, bearing, max_turn)
    state.frame_heading = kinematics.turn_toward(state.frame_heading, state.heading, frame_turn)
    state.turn, state.frame_turn = state.heading - old, state.frame_heading - old_frame
    # Slow down while facing away from the waypoint, so the turning circle shrinks ...
    off = abs((bearing - state.heading + math.pi) % (2 * math.pi) - math.pi)
    speed = cruise * max(math.cos(off), 0.25)
    # ... and small enough to pass through it: the circle tangent to the heading through the
    # waypoint has radius d / (2 sin off), and at speed v the leader turns on one of radius
    # v / max_turn (faster, it would circle a waypoint inside its turning circle for ever)
    dist = math.hypot(to_x, to_y)
    sin_off = math.sin(off)
    if sin_off > 0:
        speed = min(speed, max_turn * dist / (2 * sin_off))
    if state.waypoint_index == len(route) - 1:  # arrive at the last waypoint
        # braking distance, and never past it in one step
        speed = min(speed, math.sqrt(2 * max_accel * dist), dist)
    if speed < 1e-9:  # standing still (turning on the spot): no rounding dust for a velocity
        return 0.0, 0.0
    return speed * math.cos(state.heading), speed * math.sin(state.heading)


def slot_velocity_one(
    ex: float,
    ey: float,
    ox: float,
    oy: float,
    leader: tuple[float, float, float, float, float, float],
    max_accel: float,
) -> tuple[float, float]:
    """`slot_velocity` for one follower in plain floats.

    (ex, ey) is its position estimate, (ox, oy) its slot offset, `leader` the believed leader's
    (x, y, vx, vy, cos, sin of its frame heading): the cosine and sine once per leader, not
    once per follower.
    """
    lx, ly, lvx, lvy, c, s = leader
    tx = (ox * c - oy * s) + lx
    ty = (ox * s + oy * c) + ly
    cx, cy = kinematics.arrival_one(tx - ex, ty - ey, FOLLOW_GAIN, max_accel)
    return lvx + cx, lvy + cy


def slot_velocity(
    estimate: np.ndarray,
    slot_index: np.ndarray,
    offsets: np.ndarray,
    lead_pos: np.ndarray,
    lead_vel: np.ndarray,
    frame_heading: np.ndarray,
    max_accel: float,
) -> np.ndarray:
    """Desired velocities (k, 2) of followers tracking their slots behind believed leaders.

    Each follower has its own believed leader position, velocity and frame heading (k rows).
    """
    off = offsets[slot_index]
    c, s = np.cos(frame_heading), np.sin(frame_heading)
    target = np.empty_like(off)  # the slot in the world: leader + offset rotated into its frame
    np.subtract(off[:, 0] * c, off[:, 1] * s, out=target[:, 0])
    np.add(off[:, 0] * s, off[:, 1] * c, out=target[:, 1])
    target += lead_pos
    return lead_vel + kinematics.arrival_velocity(target - estimate, FOLLOW_GAIN, max_accel)

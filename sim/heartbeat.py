"""Failure detection: the leader's heartbeats, relayed hop by hop, and each agent's belief.

Every `heartbeat_period` steps a leader broadcasts a *beacon*: its term, its (estimated) state,
its route knowledge and its slot table. Agents relay a beacon once, the step after they first
hear it, so it floods the connected group one hop per step (plus `comm_delay`). Each agent keeps
the freshest beacon it has heard — its *belief* about who leads and where the leader is — and
acts on it. A follower suspects its leader is lost when its belief is older than its timeout
(drawn in [election_timeout_min, election_timeout_max]); it never reads the model's truth.

Beacons are compared by one integer key, so relaying is a vectorised max over links::

    key = term · 2⁴⁰ + (ROW_MASK − leader row) · 2²⁶ + time

A higher term dominates; within a term the lower id dominates (the rule that leaves exactly one
leader when split groups merge); for the same leader the later beacon is fresher.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROW_BITS, TIME_BITS = 14, 26
ROW_MASK = (1 << ROW_BITS) - 1  # rows up to 16,383 (n_agents ≤ 10,000)
TIME_MASK = (1 << TIME_BITS) - 1  # steps up to 67 million
TERM_SHIFT = ROW_BITS + TIME_BITS


def beacon_key(term, row, time):
    """Key of a beacon (works on ints and int64 arrays)."""
    return (np.int64(term) << TERM_SHIFT) | ((ROW_MASK - np.int64(row)) << TIME_BITS) | time


def key_term(key):
    """Term of a beacon key (-1 for no belief)."""
    return np.where(key >= 0, key >> TERM_SHIFT, -1)


def key_row(key):
    """Leader row of a beacon key (-1 for no belief)."""
    return np.where(key >= 0, ROW_MASK - ((key >> TIME_BITS) & ROW_MASK), -1)


def key_time(key):
    """Time a beacon was sent (-1 for no belief)."""
    return np.where(key >= 0, key & TIME_MASK, -1)


def dominance(key):
    """The (term, lower row) part of a key: which leader wins when two meet."""
    return np.where(key >= 0, key >> TIME_BITS, -1)


@dataclass(frozen=True)
class Beacon:
    """What a leader tells its group in one heartbeat."""

    term: int
    row: int
    time: int
    pos: np.ndarray  # the leader's own position estimate (m)
    vel: np.ndarray  # m/step
    heading: float  # rad
    frame_heading: float  # heading of the slot frame (rad)
    turn: float  # rad/step the heading turned in the last step
    frame_turn: float  # rad/step the frame turned in the last step
    waypoint_index: int
    route_version: int
    slot_version: int
    group_size: int  # members the leader knows of, itself included

    def extrapolate(self, now: float) -> tuple[np.ndarray, np.ndarray, float]:
        """Dead-reckoned leader (position, velocity, frame heading) at `now`.

        Assumes the leader kept its speed and turn rate since the beacon: an arc.
        """
        dt = now - self.time
        speed = float(np.hypot(*self.vel))
        theta = self.heading + self.turn * dt
        if abs(self.turn) < 1e-9:
            pos = self.pos + self.vel * dt
        else:
            r = speed / self.turn
            pos = self.pos + r * np.array(
                [np.sin(theta) - np.sin(self.heading), np.cos(self.heading) - np.cos(theta)]
            )
        vel = speed * np.array([np.cos(theta), np.sin(theta)])
        return pos, vel, self.frame_heading + self.frame_turn * dt

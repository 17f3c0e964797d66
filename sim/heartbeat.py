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

import math
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


class Knowledge:
    """Each agent's copy of the beacon it believes, as arrays (so steering is vectorised).

    Filled when an agent adopts a beacon; `extrapolate` dead-reckons every follower's believed
    leader at once (an arc: the leader kept its speed and turn rate since the beacon).
    """

    def __init__(self, n: int) -> None:
        self.pos = np.zeros((n, 2))
        self.speed = np.zeros(n)
        self.heading = np.zeros(n)
        self.turn = np.zeros(n)
        self.frame = np.zeros(n)
        self.frame_turn = np.zeros(n)
        self.time = np.zeros(n)
        self.slot = np.full(n, -1, dtype=np.int64)
        self.leader = np.full(n, -1, dtype=np.int64)

    def learn(self, rows: np.ndarray, keys: np.ndarray, beacons: dict, slot_maps: dict) -> None:
        """Copy the beacons named by `keys` into the rows that adopted them."""
        single = len(keys) <= 1 or keys.min() == keys.max()
        for key in keys[:1] if single else np.unique(keys):
            beacon = beacons.get((int(key_row(key)), int(key_time(key))))
            if beacon is None:
                continue
            sel = rows if single else rows[keys == key]
            self.pos[sel] = beacon.pos
            self.speed[sel] = float(np.hypot(*beacon.vel))
            self.heading[sel] = (
                math.atan2(beacon.vel[1], beacon.vel[0])
                if self.speed[sel[0]] > 1e-9
                else beacon.heading
            )
            self.turn[sel] = beacon.turn
            self.frame[sel] = beacon.frame_heading
            self.frame_turn[sel] = beacon.frame_turn
            self.time[sel] = beacon.time
            self.slot[sel] = slot_maps[beacon.slot_version][sel]
            self.leader[sel] = beacon.row

    def extrapolate(self, rows: np.ndarray, now: float):
        """Believed leader (positions (k, 2), velocities (k, 2), frame headings (k,)) at `now`."""
        dt = now - self.time[rows]
        h0, w, v = self.heading[rows], self.turn[rows], self.speed[rows]
        if not w.any():  # everyone's leader was flying straight: no arcs to compute
            vel = v[:, None] * np.column_stack([np.cos(h0), np.sin(h0)])
            frame = self.frame[rows] + self.frame_turn[rows] * dt
            return self.pos[rows] + vel * dt[:, None], vel, frame
        theta = h0 + w * dt
        straight = np.abs(w) < 1e-9
        radius = np.where(straight, 0.0, v / np.where(straight, 1.0, w))
        dx = np.where(straight, v * np.cos(h0) * dt, radius * (np.sin(theta) - np.sin(h0)))
        dy = np.where(straight, v * np.sin(h0) * dt, radius * (np.cos(h0) - np.cos(theta)))
        pos = self.pos[rows] + np.column_stack([dx, dy])
        vel = v[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
        return pos, vel, self.frame[rows] + self.frame_turn[rows] * dt

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

    Every beacon a leader emits is added once to a table (one row of numbers per beacon); an
    agent that adopts a beacon only records which row it believes (`src`). `extrapolate`
    dead-reckons every follower's believed leader at once (an arc: the leader kept its speed
    and turn rate since the beacon).
    """

    # columns of the beacon table
    X, Y, SPEED, HEADING, TURN, FRAME, FRAME_TURN, TIME = range(8)

    def __init__(self, n: int) -> None:
        self.src = np.full(n, -1, dtype=np.intp)  # table row of each agent's beacon
        self.slot = np.full(n, -1, dtype=np.int64)  # each agent's slot in that beacon's table
        self._table = np.zeros((16, 8))
        self._slot_version = np.zeros(16, dtype=np.int64)
        self._keys = np.zeros(16, dtype=np.int64)
        self._serial: dict[int, int] = {}  # beacon key -> table row
        self._count = 0

    def add(self, key: int, beacon: Beacon) -> None:
        """Record a newly emitted beacon so agents can adopt it by key."""
        if self._count == len(self._table):
            grow = len(self._table)
            self._table = np.concatenate([self._table, np.zeros((grow, 8))])
            self._slot_version = np.concatenate([self._slot_version, np.zeros(grow, np.int64)])
            self._keys = np.concatenate([self._keys, np.zeros(grow, np.int64)])
        vx, vy = float(beacon.vel[0]), float(beacon.vel[1])
        speed = math.hypot(vx, vy)
        heading = math.atan2(vy, vx) if speed > 1e-9 else beacon.heading
        k = self._count
        self._table[k] = (
            beacon.pos[0],
            beacon.pos[1],
            speed,
            heading,
            beacon.turn,
            beacon.frame_heading,
            beacon.frame_turn,
            beacon.time,
        )
        self._slot_version[k] = beacon.slot_version
        self._keys[k] = key
        self._serial[int(key)] = k
        self._count += 1

    def learn(self, rows: np.ndarray, keys: np.ndarray, slot_maps: dict) -> None:
        """Rows adopt the beacons named by `keys` (a key no longer on record is ignored)."""
        if not len(rows):
            return
        if len(keys) == 1 or keys.min() == keys.max():
            serial = self._serial.get(int(keys[0]), -1)
            if serial < 0:
                return
            self.src[rows] = serial
            self.slot[rows] = slot_maps[int(self._slot_version[serial])][rows]
            return
        unique, inverse = np.unique(keys, return_inverse=True)
        serials = np.array([self._serial.get(k, -1) for k in unique.tolist()])[inverse]
        ok = serials >= 0
        rows, serials = rows[ok], serials[ok]
        self.src[rows] = serials
        versions = self._slot_version[serials]
        for version in np.unique(versions).tolist():
            sel = rows[versions == version]
            self.slot[sel] = slot_maps[version][sel]

    def forget(self, keep: set[int]) -> None:
        """Drop beacons whose keys are not in `keep`, except those some agent still uses."""
        used = self.src >= 0
        live = np.zeros(self._count, dtype=bool)
        live[self.src[used]] = True
        wanted = np.isin(self._keys[: self._count], np.fromiter(keep, np.int64, len(keep)))
        live |= wanted
        old = np.flatnonzero(live)
        remap = np.full(self._count, -1, dtype=np.intp)
        remap[old] = np.arange(len(old))
        self._table[: len(old)] = self._table[old]
        self._slot_version[: len(old)] = self._slot_version[old]
        self._keys[: len(old)] = self._keys[old]
        self._count = len(old)
        # Only the kept keys can still be adopted; the others stay while some agent uses them.
        self._serial = {int(self._keys[i]): i for i in np.flatnonzero(wanted[old]).tolist()}
        self.src[used] = remap[self.src[used]]

    def believed_leader(self, serial: int, now: float) -> tuple[float, float, float, float, float]:
        """`extrapolate` for one beacon (table row `serial`): (x, y, vx, vy, frame heading)."""
        px, py, v, h0, w, frame, frame_turn, t = self._table[serial].tolist()
        dt = now - t
        theta = h0 + w * dt
        vx, vy = v * math.cos(theta), v * math.sin(theta)
        if abs(w) < 1e-9:  # flying straight
            x, y = px + v * math.cos(h0) * dt, py + v * math.sin(h0) * dt
        else:  # on an arc of radius v / w
            r = v / w
            x, y = (
                px + (math.sin(theta) - math.sin(h0)) * r,
                py + (math.cos(h0) - math.cos(theta)) * r,
            )
        return x, y, vx, vy, frame + frame_turn * dt

    def extrapolate(self, rows: np.ndarray, now: float):
        """Believed leader (positions (k, 2), velocities (k, 2), frame headings (k,)) at `now`."""
        b = self._table[self.src[rows]]
        dt = now - b[:, self.TIME]
        h0, w, v = b[:, self.HEADING], b[:, self.TURN], b[:, self.SPEED]
        frame = b[:, self.FRAME] + b[:, self.FRAME_TURN] * dt
        if not w.any():  # everyone's leader was flying straight: no arcs to compute
            vel = _unit_rows(h0)
            vel *= v[:, None]
            return b[:, :2] + vel * dt[:, None], vel, frame
        theta = h0 + w * dt
        straight = np.abs(w) < 1e-9
        vel = _unit_rows(theta)
        if not straight.any():  # every leader on an arc of radius v / w
            step = np.empty_like(vel)
            np.subtract(vel[:, 1], np.sin(h0), out=step[:, 0])
            np.subtract(np.cos(h0), vel[:, 0], out=step[:, 1])
            step *= (v / w)[:, None]
            vel *= v[:, None]
            return b[:, :2] + step, vel, frame
        radius = np.where(straight, 0.0, v / np.where(straight, 1.0, w))
        dx = np.where(straight, v * np.cos(h0) * dt, radius * (np.sin(theta) - np.sin(h0)))
        dy = np.where(straight, v * np.sin(h0) * dt, radius * (np.cos(h0) - np.cos(theta)))
        pos = b[:, :2] + np.column_stack([dx, dy])
        vel *= v[:, None]
        return pos, vel, frame


def _unit_rows(angle: np.ndarray) -> np.ndarray:
    """Unit vectors (k, 2) at the given angles."""
    out = np.empty((len(angle), 2))
    np.cos(angle, out=out[:, 0])
    np.sin(angle, out=out[:, 1])
    return out

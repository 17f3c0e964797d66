"""Heartbeats: the keys every leadership message is compared by, and the table of beacons.

Every `heartbeat_period` steps a leader broadcasts a *beacon*: its term, its (estimated) state,
its route progress and its slot table. Agents relay a beacon once, the step after they first
hear it, so it floods the connected group one hop per step (plus `comm_delay`). Each agent keeps
the freshest beacon it has heard — its *belief* about who leads and where the leader is — and
acts on it; `Knowledge` holds the beacons and which one each agent believes. (Relaying and
failure detection — suspecting a leader whose beacons stopped — are the leadership component's:
`sim.components.leadership`.)

Every message of the leadership layer is compared by one integer key, so relaying is a
vectorised max over links. Heartbeats and election messages share the layout::

    key = term · 2⁴⁰ + (ROW_MASK − row) · 2²⁶ + low

A higher term dominates; within a term the lower row (id) dominates — the rule that leaves
exactly one leader when split groups merge. The low bits order messages of the same sender: a
heartbeat's send time (the later beacon is fresher), or an election message's hop count
stored as `LOW_MASK − hops` (the copy that travelled fewer hops wins).
"""

from __future__ import annotations

import math

import numpy as np

from sim.sizes import PLAIN_FLOATS_MAX_N

ROW_BITS, LOW_BITS = 14, 26
ROW_MASK = (1 << ROW_BITS) - 1  # rows up to 16,383 (n_agents ≤ 10,000)
LOW_MASK = (1 << LOW_BITS) - 1  # times up to 67 million steps; hop counts likewise
TERM_SHIFT = ROW_BITS + LOW_BITS  # terms up to 2²³ (8 million)


def pack(term, row, low):
    """Key of a leadership message (works on ints and int64 arrays)."""
    return (np.int64(term) << TERM_SHIFT) | ((ROW_MASK - np.int64(row)) << LOW_BITS) | low


def beacon_key(term, row, time):
    """Key of a heartbeat sent by leader `row` of `term` at `time`."""
    if type(term) is int and type(row) is int and type(time) is int:  # one key: no numpy scalars
        return (term << TERM_SHIFT) | ((ROW_MASK - row) << LOW_BITS) | time
    return pack(term, row, time)


def election_key(term, row, hops=0):
    """Key of an election message for candidate `row` in `term` that travelled `hops` hops."""
    return pack(term, row, LOW_MASK - np.int64(hops))


def key_term(key):
    """Term of a key (-1 for none: the shift keeps -1 as it is)."""
    return key >> TERM_SHIFT


def key_row(key):
    """Sender row of a key: the leader of a heartbeat, the candidate of an election message."""
    # key >> 63 is -1 for the no-key -1 and 0 otherwise: an OR then keeps -1 (no np.where needed)
    return (ROW_MASK - ((key >> LOW_BITS) & ROW_MASK)) | (key >> 63)


def key_time(key):
    """Time a heartbeat was sent (-1 for none)."""
    return (key & LOW_MASK) | (key >> 63)  # -1 stays -1, as in `key_row`


def dominance(key):
    """The (term, lower row) part of a key: which leader wins when two meet (-1 for none)."""
    return key >> LOW_BITS


# What a heartbeat says about the leader's flight, in this order (see `Knowledge.add`).
FLIGHT_FIELDS = (
    "x",  # the leader's own position estimate (m)
    "y",
    "vx",  # velocity (m/step)
    "vy",
    "heading",  # rad: the direction it steers (used while it is still)
    "frame_heading",  # rad: heading of the slot frame
    "turn",  # rad/step the heading turned in the last step
    "frame_turn",  # rad/step the frame turned in the last step
    "waypoint_index",  # the waypoint it flies to
    "route_version",  # which version of the route it knows
)
STILL = (0.0,) * 8 + (0, 0)  # the flight of a leader that does not move (protocol harness)


class Knowledge:
    """Every beacon ever emitted, as a table, and which one each agent believes.

    A beacon is added once (one row of numbers); an agent that adopts it records the row it
    believes (`src`) and its own slot in that beacon's slot table (`slot`). `extrapolate`
    dead-reckons every follower's believed leader at once (an arc: the leader kept its speed
    and turn rate since the beacon).
    """

    # float columns of the beacon table
    X, Y, SPEED, HEADING, TURN, FRAME, FRAME_TURN, TIME = range(8)
    # integer columns
    SLOTS, ROUTE, WAYPOINT, REACH = range(4)

    def __init__(self, n: int) -> None:
        self.src = np.full(n, -1, dtype=np.intp)  # table row of each agent's beacon
        self.slot = np.full(n, -1, dtype=np.int64)  # each agent's slot in that beacon's table
        self._table = np.zeros((16, 8))
        self._ints = np.zeros((16, 4), dtype=np.int64)
        self._keys = np.zeros(16, dtype=np.int64)
        self._serial: dict[int, int] = {}  # beacon key -> table row
        self._count = 0

    def add(self, key: int, time: int, flight: tuple, slot_version: int, reach: int) -> None:
        """Record a newly emitted beacon so agents can adopt it by key.

        Args:
            key: its `beacon_key`.
            time: the step it was sent.
            flight: the leader's flight, `FLIGHT_FIELDS` in order.
            slot_version: the slot table it announces.
            reach: the group's broadcast time the leader announces (steps).
        """
        if self._count == len(self._table):
            grow = len(self._table)
            self._table = np.concatenate([self._table, np.zeros((grow, 8))])
            self._ints = np.concatenate([self._ints, np.zeros((grow, 4), np.int64)])
            self._keys = np.concatenate([self._keys, np.zeros(grow, np.int64)])
        x, y, vx, vy, heading, frame, turn, frame_turn, waypoint, route = flight
        speed = math.hypot(vx, vy)
        k = self._count
        self._table[k] = (
            x,
            y,
            speed,
            math.atan2(vy, vx) if speed > 1e-9 else heading,
            turn,
            frame,
            frame_turn,
            time,
        )
        self._ints[k] = (slot_version, route, waypoint, reach)
        self._keys[k] = key
        self._serial[int(key)] = k
        self._count += 1

    def serial(self, key: int) -> int:
        """Table row of the beacon with this key (-1 if not on record)."""
        return self._serial.get(int(key), -1)

    def route_of(self, serial: int) -> tuple[int, int]:
        """(route_version, waypoint_index) a beacon announced."""
        return int(self._ints[serial, self.ROUTE]), int(self._ints[serial, self.WAYPOINT])

    def heading_of(self, serial: int) -> float:
        """Heading (rad) a beacon announced."""
        return float(self._table[serial, self.HEADING])

    def reach(self, rows: np.ndarray) -> np.ndarray:
        """Broadcast time (steps) announced by the beacon each row believes (0 if none)."""
        src = self.src[rows]
        return np.where(src >= 0, self._ints[src, self.REACH], 0)

    def learn(self, rows: np.ndarray, keys: np.ndarray, slot_maps: dict) -> None:
        """Rows adopt the beacons named by `keys` (a key no longer on record is ignored)."""
        if not len(rows):
            return
        if len(keys) == 1 or _all_equal(keys):
            serial = self._serial.get(int(keys[0]), -1)
            if serial < 0:
                return
            self.src[rows] = serial
            self.slot[rows] = slot_maps[int(self._ints[serial, self.SLOTS])][rows]
            return
        unique, inverse = np.unique(keys, return_inverse=True)
        serials = np.array([self._serial.get(k, -1) for k in unique.tolist()])[inverse]
        ok = serials >= 0
        rows, serials = rows[ok], serials[ok]
        self.src[rows] = serials
        versions = self._ints[serials, self.SLOTS]
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
        self._ints[: len(old)] = self._ints[old]
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


def _all_equal(keys: np.ndarray) -> bool:
    """Whether every key is the same (a set of a few Python ints beats two numpy reductions)."""
    if len(keys) <= PLAIN_FLOATS_MAX_N:
        return len(set(keys.tolist())) == 1
    return bool(np.minimum.reduce(keys) == np.maximum.reduce(keys))

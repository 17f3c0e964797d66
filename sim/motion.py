"""How agents move: each agent's desired velocity from what it knows, under the kinematic limits.

A mixin of `SwarmModel`. Leaders fly their known route, formation followers track their slot
behind the leader they believe in (dead-reckoned from its last beacon), flock followers use
boids rules plus a pull toward that leader, and collective modes delegate to their behaviour;
a short-range separation term keeps agents apart. `kinematics.steer` then clips acceleration
and speed (see `sim.control` for the steering laws and their sources).
"""

from __future__ import annotations

import math

import numpy as np

from sim import kinematics, positioning
from sim.behaviours.flock import flock_velocity
from sim.control import leader_velocity, slot_velocity, slot_velocity_one
from sim.kinematics import steer_one
from sim.neighbours import close_pairs, pair_sum

SEPARATION_FRACTION = 0.6  # separation acts within this fraction of `spacing`
STOP_FRACTION = 0.3  # × spacing: agents closing fast brake to stop at least this far apart
LOOK_AHEAD_SPACINGS = 4.0  # pairs closing fast are looked for within this many spacings
SEPARATION_GAIN = 0.5  # m/step of push per m of intrusion
SMALL_N = 24  # formations of up to this many active agents steer agent by agent (plain floats)
FLOCK_RADIUS = 0.5  # × spacing·√N: inside this distance of the leader there is no pull to it


class Motion:
    """Desired velocities, separation and integration for SwarmModel."""

    def _move(self) -> None:
        p = self.params
        act = self.active_rows
        if len(act) == 0:
            return
        if self.behaviour is not None:
            self.vel[act] = self.behaviour.velocities(self)[act]
        else:
            brake, closing = self._braking(act)
            if not closing and self._steers_one_by_one(act):
                self.vel[act] = self._steer_each(act)
            else:
                desired = self._desired_velocity(act) + brake
                self.vel[act], _ = kinematics.steer(
                    self.vel[act], desired, p.max_speed, p.max_accel
                )
        self.pos[act] += self.vel[act]
        if self.positioning_lost:
            self.estimate[act] = positioning.dead_reckon(
                self.estimate[act], self.vel[act], p.drift_noise, self.rng
            )
        if self.torus:
            self.pos[act] %= self.arena_size

    def _braking(self, act: np.ndarray) -> tuple[np.ndarray | float, bool]:
        """Corrections for pairs closing too fast to stop (`kinematics.braking_push`).

        No pair can close faster than twice the largest deviation from the mean velocity, nor
        is any pair nearer than the last measured closest pair: when that bound is within the
        closing limit (a formation in steady flight), the pairs need not be looked at.
        """
        p = self.params
        margin = STOP_FRACTION * p.spacing
        vel = self.vel[act]
        dev = vel - vel.mean(axis=0)
        fastest = 2.0 * math.sqrt(float(np.max(dev[:, 0] ** 2 + dev[:, 1] ** 2)))
        if fastest <= float(kinematics.closing_limit(self.min_separation, margin, p.max_accel)):
            return 0.0, False
        pairs, dist = self._pairs_within(act, self.look_ahead(), with_dist=True)
        return kinematics.braking_push(self.pos[act], vel, pairs, dist, margin, p.max_accel)

    def look_ahead(self) -> float:
        """Distance within which pairs are checked for closing too fast to stop (m).

        Two agents at top speed close at 2·max_speed; they need c + c²/(4a) to stop, plus the
        stopping margin — capped at LOOK_AHEAD_SPACINGS spacings.
        """
        p = self.params
        closing = 2 * p.max_speed
        need = STOP_FRACTION * p.spacing + closing + closing**2 / (4 * p.max_accel)
        return min(need, LOOK_AHEAD_SPACINGS * p.spacing)

    def _steers_one_by_one(self, act: np.ndarray) -> bool:
        """Small formations without separation at work take the plain-float path."""
        p = self.params
        return (
            p.coordination == "formation"
            and len(act) <= SMALL_N
            and not self.min_separation < SEPARATION_FRACTION * p.spacing
        )

    def _steer_each(self, act: np.ndarray) -> np.ndarray:
        """New velocities (k, 2) of the rows `act`, agent by agent in plain floats.

        The same laws as `_desired_velocity` then `kinematics.steer`; for a few agents a numpy
        call per operation costs several times the arithmetic itself.
        """
        p = self.params
        now = float(self.time)
        known = self.leadership.knowledge
        src, slot = known.src.tolist(), known.slot.tolist()
        following = self.leadership.following.tolist()
        estimate, vel, offsets = self.estimate.tolist(), self.vel.tolist(), self.offsets.tolist()
        believed: dict[int, tuple] = {}  # one dead-reckoning per beacon, shared by its followers
        out = []
        for row in act.tolist():
            if row in self.flights:
                dx, dy = self._leader_velocity(row).tolist()
            elif following[row] and slot[row] >= 0:
                serial = src[row]
                if serial not in believed:
                    believed[serial] = known.believed_leader(serial, now)
                ex, ey = estimate[row]
                ox, oy = offsets[slot[row]]
                dx, dy = slot_velocity_one(ex, ey, ox, oy, believed[serial], p.max_accel)
            else:  # has given up on its leader, or has no slot yet: holds its position
                dx = dy = 0.0
            vx, vy = vel[row]
            out.append(steer_one(vx, vy, dx, dy, p.max_speed, p.max_accel))
        return np.array(out)

    def _desired_velocity(self, act: np.ndarray) -> np.ndarray:
        """Desired velocities of the active rows `act` from what each agent knows."""
        p = self.params
        desired = np.zeros((self.n, 2))
        known = self.leadership.knowledge
        rows = self.leadership.following.nonzero()[0]
        pos, vel, frame = known.extrapolate(rows, self.time)
        if p.coordination == "formation":
            slots = known.slot[rows]
            has = slots >= 0
            if not has.all():  # followers without a slot (yet) only keep their distance
                rows, slots, pos, vel, frame = rows[has], slots[has], pos[has], vel[has], frame[has]
            desired[rows] = slot_velocity(
                self.estimate[rows], slots, self.offsets, pos, vel, frame, p.max_accel
            )
        if p.coordination == "flock":
            lead_pos = np.full((self.n, 2), np.nan)
            lead_vel = np.zeros((self.n, 2))
            lead_pos[rows], lead_vel[rows] = pos, vel
            pairs, dist = self._pairs_within(act, self.vision, with_dist=True)
            has_lead = ~np.isnan(lead_pos[act, 0])
            desired[act] = flock_velocity(
                self.estimate[act],
                self.vel[act],
                pairs,
                np.where(has_lead[:, None], lead_pos[act], self.estimate[act]),
                separation_radius=p.spacing,
                max_accel=p.max_accel,
                leader_vel=np.where(has_lead[:, None], lead_vel[act], self.vel[act]),
                flock_radius=FLOCK_RADIUS * p.spacing * np.sqrt(len(act)),
                dist=dist,
            )
        elif self.min_separation < SEPARATION_FRACTION * p.spacing:
            desired[act] += self._separation(act)
        for row in self.flights:
            desired[row] = self._leader_velocity(row)
        return desired[act]

    def _leader_velocity(self, row: int) -> np.ndarray:
        """Desired velocity (2,) of the leader in `row`, flying the route it knows."""
        flight = self.flights[row]
        return leader_velocity(
            flight,
            self.estimate[row],
            self.routes[flight.route_version],
            self.cruise_speed,
            self.params.max_accel,
            self.max_turn,
            self.frame_turn,
        )

    def _separation(self, act: np.ndarray) -> np.ndarray:
        """Safety term: push apart agents closer than a fraction of the spacing.

        Relative sensing of neighbours is accurate, so this uses true relative positions.
        """
        radius = SEPARATION_FRACTION * self.params.spacing
        pos = self.pos[act]
        prox = self._proximity(act)
        if prox is not None and prox.d2 is not None:
            # The distances measured at the end of the last step (nobody moved since).
            d2 = prox.d2.copy()
            np.fill_diagonal(d2, np.inf)
            dist = np.sqrt(d2)
            w = np.clip(radius - dist, 0.0, None) / dist
            return SEPARATION_GAIN * (w.sum(axis=1)[:, None] * pos - w @ pos)
        pairs = self._pairs_within(act, radius)
        d = pos[pairs[:, 1]] - pos[pairs[:, 0]]
        dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        f = d * (SEPARATION_GAIN * (radius - dist) / dist)[:, None]
        return pair_sum(len(pos), pairs, -f, f)

    def _proximity(self, act: np.ndarray):
        """The network's last neighbour query, if it covers exactly `act` where they are now."""
        prox = self.network.prox
        if prox is None or not (prox.rows is act or np.array_equal(prox.rows, act)):
            return None
        return prox

    def _pairs_within(self, act: np.ndarray, radius: float, with_dist: bool = False):
        """Pairs (indices into `act`) closer than `radius` (and their distances if asked).

        Taken from the network's neighbour query when it covers these agents and radius.
        """
        prox = self._proximity(act)
        if prox is not None and prox.pairs is not None and radius <= self.network.reach:
            keep = prox.dist < radius
            near = np.compress(keep, prox.pairs, axis=0)  # much faster than pairs[keep]
            return (near, prox.dist[keep]) if with_dist else near
        if prox is not None and prox.d2 is not None:
            i, j = np.nonzero(prox.d2 < radius * radius)
            upper = i < j
            i, j = i[upper], j[upper]
            pairs = np.column_stack([i, j])
            return (pairs, np.sqrt(prox.d2[i, j])) if with_dist else pairs
        pairs = close_pairs(self.pos[act], radius)
        if with_dist:
            d = self.pos[act][pairs[:, 1]] - self.pos[act][pairs[:, 0]]
            return pairs, np.hypot(d[:, 0], d[:, 1])
        return pairs

"""How agents move: each agent's desired velocity from what it knows, under the kinematic limits.

A mixin of `SwarmModel`. Leaders fly their known route, formation followers track their slot
behind the leader they believe in (dead-reckoned from its last beacon), flock followers use
boids rules plus a pull toward that leader, and collective modes delegate to their behaviour;
a short-range separation term keeps agents apart. `kinematics.steer` then clips acceleration
and speed (see `sim.control` for the steering laws and their sources).
"""

from __future__ import annotations

import numpy as np

from sim import kinematics, positioning
from sim.behaviours.flock import flock_velocity
from sim.control import leader_velocity, slot_velocity, slot_velocity_one
from sim.kinematics import steer_one
from sim.neighbours import close_pairs, pair_sum

SEPARATION_FRACTION = 0.6  # separation acts within this fraction of `spacing`
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
        elif self._steers_one_by_one(act):
            self.vel[act] = self._steer_each(act)
        else:
            desired = self._desired_velocity(act)
            self.vel[act], _ = kinematics.steer(self.vel[act], desired, p.max_speed, p.max_accel)
        self.pos[act] += self.vel[act]
        if self.positioning_lost:
            self.estimate[act] = positioning.dead_reckon(
                self.estimate[act], self.vel[act], p.drift_noise, self.rng
            )
        if self.torus:
            self.pos[act] %= self.arena_size

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
        known = self.known
        src, slot = known.src.tolist(), known.slot.tolist()
        belief, suspecting = self.belief.tolist(), self.suspecting.tolist()
        estimate, vel, offsets = self.estimate.tolist(), self.vel.tolist(), self.offsets.tolist()
        believed: dict[int, tuple] = {}  # one dead-reckoning per beacon, shared by its followers
        out = []
        for row in act.tolist():
            if row in self.leaders:
                dx, dy = self._leader_velocity(row).tolist()
            elif belief[row] >= 0 and not suspecting[row] and slot[row] >= 0:
                serial = src[row]
                if serial not in believed:
                    believed[serial] = known.believed_leader(serial, now)
                ex, ey = estimate[row]
                ox, oy = offsets[slot[row]]
                dx, dy = slot_velocity_one(ex, ey, ox, oy, believed[serial], p.max_accel)
            else:  # suspects its leader is lost, or has no slot yet: holds its position
                dx = dy = 0.0
            vx, vy = vel[row]
            out.append(steer_one(vx, vy, dx, dy, p.max_speed, p.max_accel))
        return np.array(out)

    def _desired_velocity(self, act: np.ndarray) -> np.ndarray:
        """Desired velocities of the active rows `act` from what each agent knows."""
        p = self.params
        desired = np.zeros((self.n, 2))
        following = self.active & ~self.is_leader & ~self.suspecting & (self.belief >= 0)
        rows = following.nonzero()[0]
        pos, vel, frame = self.known.extrapolate(rows, self.time)
        if p.coordination == "formation":
            slots = self.known.slot[rows]
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
        for row in self.leaders:
            if self.active[row]:
                desired[row] = self._leader_velocity(row)
        return desired[act]

    def _leader_velocity(self, row: int) -> np.ndarray:
        """Desired velocity (2,) of the leader in `row`, flying the route it knows."""
        state = self.leaders[row]
        return leader_velocity(
            state,
            self.estimate[row],
            self.routes[state.route_version],
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
        if self._d2_rows is not None and np.array_equal(self._d2_rows, act):
            # Reuse the distances measured at the end of the last step (nobody moved since).
            d2 = self._d2.copy()
            np.fill_diagonal(d2, np.inf)
            dist = np.sqrt(d2)
            w = np.clip(radius - dist, 0.0, None) / dist
            return SEPARATION_GAIN * (w.sum(axis=1)[:, None] * pos - w @ pos)
        pairs = self._pairs_within(act, radius)
        d = pos[pairs[:, 1]] - pos[pairs[:, 0]]
        dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        f = d * (SEPARATION_GAIN * (radius - dist) / dist)[:, None]
        return pair_sum(len(pos), pairs, -f, f)

    def _pairs_within(self, act: np.ndarray, radius: float, with_dist: bool = False):
        """Pairs (indices into `act`) closer than `radius` (and their distances if asked).

        Taken from the last measurement's neighbour query when nobody has dropped out since.
        """
        if self._near is not None and np.array_equal(self._near[0], act):
            _, pairs, dist = self._near
            keep = dist < radius
            near = np.compress(keep, pairs, axis=0)  # much faster than pairs[keep] for (m, 2)
            return (near, dist[keep]) if with_dist else near
        pairs = close_pairs(self.pos[act], radius)
        return (pairs, None) if with_dist else pairs

"""What the leader modes share: a leader flies the route, the others steer by what they know.

The mission succeeds when the group arrives together (`LeaderMode.advance`).

Each agent's desired velocity comes from what it knows (`sim.components.leadership`): a leader
flies the route it knows (`sim.control.steer_flight`); a follower steers by the leader it
believes, dead-reckoned from its last heartbeat, by the mode's own law (`follower_desired`);
an agent that has given up on its leader steers by none — it brakes and holds its position, or
keeps only the boids rules in a flock. Two safety terms act on true relative positions
(neighbours are sensed accurately): separation inside `SEPARATION_FRACTION` of the spacing, and
a braking constraint on pairs closing too fast to stop (`sim.kinematics.braking_push`). The
acceleration that chases the desired velocity is then clipped (`sim.kinematics.steer`).
"""

from __future__ import annotations

import math

import numpy as np

from sim import formations, kinematics
from sim.control import steer_flight
from sim.modes.base import Mode
from sim.neighbours import pair_sum, pairs_with_distances
from sim.sizes import DENSE_DISTANCES_MAX_N, PLAIN_FLOATS_MAX_N
from sim.wording import count

SEPARATION_FRACTION = 0.6  # separation acts within this fraction of `spacing`
SEPARATION_GAIN = 0.5  # m/step of push per m of intrusion
STOP_FRACTION = 0.3  # × spacing: agents closing fast brake to stop at least this far apart
LOOK_AHEAD_SPACINGS = 4.0  # pairs closing fast are looked for within this many spacings
SUCCESS_FRACTION = 0.5  # share of the initial agents that must arrive with the leader


class LeaderMode(Mode):
    """A mode with an explicit leader (the leadership layer runs; messages are exchanged)."""

    vision_spacings = 0.0  # followers see neighbours within this many spacings (flock)
    dense_max = DENSE_DISTANCES_MAX_N  # links every step: a matrix only for a few agents

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.params
        self.offsets = formations.slot_offsets(p.formation, p.n_agents - 1, p.spacing)
        self.cruise_speed = p.cruise_fraction * p.max_speed
        self.vision = self.vision_spacings * p.spacing
        # The leader turns at most a/v per step. The slot frame follows more slowly: a slot at
        # radius R swings at R·ω when the frame turns at ω, so ω keeps that within half the
        # followers' speed slack.
        slack = max(p.max_speed - self.cruise_speed, 0.05 * p.max_speed)
        radius = max(formations.formation_radius(self.offsets), p.spacing)
        self.max_turn = p.max_accel / max(self.cruise_speed, 1e-9)
        self.frame_turn = min(self.max_turn, 0.5 * slack / radius)

    def neighbour_reach(self) -> float:
        """Radius of the neighbour pairs the steering needs (m): the network lists them."""
        return max(self.params.spacing, self.vision, self.look_ahead())

    def contact_distance(self) -> float:
        """Neighbours hold slots a spacing apart."""
        return self.params.spacing

    def waypoint_index(self, model) -> int:
        """The main leader's next waypoint (the furthest reached while nobody leads)."""
        flight = model.mission.flights.get(model.leader)
        return flight.waypoint_index if flight else model.mission.reached

    def look_ahead(self) -> float:
        """Distance within which pairs are checked for closing too fast to stop (m).

        Two agents at top speed close at 2·max_speed; they need c + c²/(4a) to stop, plus the
        stopping margin — capped at LOOK_AHEAD_SPACINGS spacings.
        """
        p = self.params
        closing = 2 * p.max_speed
        need = STOP_FRACTION * p.spacing + closing + closing**2 / (4 * p.max_accel)
        return min(need, LOOK_AHEAD_SPACINGS * p.spacing)

    # ------------------------------------------------------------------ the interface
    def place(self, model) -> tuple[np.ndarray, np.ndarray]:
        """The leader at the route's start, the others near their slots, all at rest."""
        p, n = self.params, self.params.n_agents
        mission = model.mission
        jitter = model.rng.uniform(-0.25, 0.25, (n, 2)) * p.spacing
        slots = formations.rotate(self.offsets, mission.start_heading)
        pos = mission.start + np.vstack([[0.0, 0.0], slots])
        pos = pos + jitter * (np.arange(n) > 0)[:, None]
        return pos, np.zeros((n, 2))

    def velocities(self, model, act: np.ndarray) -> np.ndarray:
        """New velocities (k, 2) of the active rows, from what each agent knows."""
        p = self.params
        brake, closing = self._braking(model, act)
        if not closing:
            fast = self.steer_each(model, act)
            if fast is not None:
                return fast
        desired = self.desired(model, act) + brake
        return kinematics.steer(model.vel[act], desired, p.max_speed, p.max_accel)[0]

    def advance(self, model) -> None:
        """Leaders move on along their routes; the main leader at the end checks who is with it.

        Success once at least SUCCESS_FRACTION of the initial agents (the leader included) are
        with it *as its group* (`Measurement.with_group`) and were with the group for most of
        the run (`Measurement.kept_together`); otherwise it waits there for stragglers.
        """
        mission = model.mission
        for row in mission.reach_waypoints(model.estimate):
            if row != model.leader or mission.over:
                continue
            measured = model.measurement
            together = measured.with_group(model, row) & measured.kept_together()
            arrived = int(np.count_nonzero(together))
            if arrived >= SUCCESS_FRACTION * self.params.n_agents:
                mission.end(
                    "mission_complete",
                    f"{count(arrived, 'agent')} arrived together",
                    model.time,
                    row,
                )

    def assign(self, model, row: int, members: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Slots for `members` of leader `row` (their old slots `old`; -1: none): rank order."""
        return np.arange(len(members))

    # ------------------------------------------------------------------ steering
    def follower_desired(self, model, act, rows, lead_pos, lead_vel, frame, desired) -> None:
        """Write the desired velocities (indexed by row) of the mode's agents into `desired`.

        `rows` are the followers, with their believed leaders' positions, velocities and frame
        headings; the other active agents (`act`) hold still unless the mode says otherwise.
        """
        raise NotImplementedError

    def steer_each(self, model, act: np.ndarray) -> np.ndarray | None:
        """A mode's faster path for small groups (same laws), or None."""
        return None

    def desired(self, model, act: np.ndarray) -> np.ndarray:
        """Desired velocities (k, 2) of the active rows `act` from what each agent knows."""
        desired = np.zeros((self.params.n_agents, 2))
        lead = model.leadership
        rows = lead.following.nonzero()[0]
        pos, vel, frame = lead.knowledge.extrapolate(rows, model.time)
        self.follower_desired(model, act, rows, pos, vel, frame, desired)
        for row in model.mission.flights:
            desired[row] = self.leader_desired(model, row)
        return desired[act]

    def leader_desired(self, model, row: int) -> np.ndarray:
        """Desired velocity (2,) of the leader in `row`: it turns along the route it knows."""
        flight = model.mission.flights[row]
        return steer_flight(
            flight,
            model.estimate[row],
            model.mission.routes[flight.route_version],
            self.cruise_speed,
            self.params.max_accel,
            self.max_turn,
            self.frame_turn,
        )

    def separation(self, model, act: np.ndarray) -> np.ndarray:
        """Safety term (k, 2): push apart agents closer than SEPARATION_FRACTION × spacing."""
        radius = SEPARATION_FRACTION * self.params.spacing
        pos = model.pos[act]
        prox = model.network.prox_for(act)
        if prox is not None and prox.d2 is not None:
            d2 = prox.d2.copy()  # measured where everyone is now (nobody moved since)
            np.fill_diagonal(d2, np.inf)
            dist = np.sqrt(d2)
            w = np.clip(radius - dist, 0.0, None) / dist
            return SEPARATION_GAIN * (w.sum(axis=1)[:, None] * pos - w @ pos)
        pairs = self.pairs_within(model, act, radius)
        d = pos[pairs[:, 1]] - pos[pairs[:, 0]]
        dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        f = d * (SEPARATION_GAIN * (radius - dist) / dist)[:, None]
        return pair_sum(len(pos), pairs, -f, f)

    def crowded(self, model) -> bool:
        """Some pair is closer than the separation distance (at the last measurement)."""
        return model.min_separation < SEPARATION_FRACTION * self.params.spacing

    def pairs_within(self, model, act: np.ndarray, radius: float, with_dist: bool = False):
        """Pairs (indices into `act`) closer than `radius`, and their distances if asked.

        From the network's neighbour query of this step when it covers them.
        """
        prox = model.network.prox_for(act)
        if prox is not None and prox.pairs is not None and radius <= model.network.reach:
            near, dist = prox.within(radius)
            return (near, dist) if with_dist else near
        if prox is not None and prox.d2 is not None:
            i, j = np.nonzero(prox.d2 < radius * radius)
            upper = i < j
            i, j = i[upper], j[upper]
            pairs = np.column_stack([i, j])
            return (pairs, np.sqrt(prox.d2[i, j])) if with_dist else pairs
        pairs, dist = pairs_with_distances(model.pos[act], radius)
        return (pairs, dist) if with_dist else pairs

    def _braking(self, model, act: np.ndarray) -> tuple[np.ndarray | float, bool]:
        """Corrections for pairs closing too fast to stop (`kinematics.braking_push`).

        No pair can close faster than twice the largest deviation from the mean velocity, nor
        is any pair nearer than the last measured closest pair: when that bound is within the
        closing limit (a formation in steady flight), the pairs need not be looked at; else
        only those nearer than the distance at which the limit reaches the bound.
        """
        p = self.params
        margin = STOP_FRACTION * p.spacing
        vel = model.vel if len(act) == len(model.vel) else model.vel[act]
        limit = kinematics.closing_limit_one(model.min_separation, margin, p.max_accel)
        if len(act) <= PLAIN_FLOATS_MAX_N:  # a few agents: plain floats
            if kinematics.spread_within(*vel.T.tolist(), limit):
                return 0.0, False
            reach = self.look_ahead()
        else:
            dev = vel - np.add.reduce(vel, axis=0) / len(vel)
            top = float(np.maximum.reduce(dev[:, 0] ** 2 + dev[:, 1] ** 2))
            if 2.0 * math.sqrt(top) <= limit:
                return 0.0, False
            # Nor can a pair further apart than the distance that bound allows need braking:
            # only the pairs within it are looked at (the same pushes, far fewer pairs).
            bound = kinematics.stopping_distance(2.0 * math.sqrt(top), margin, p.max_accel)
            reach = min(self.look_ahead(), bound)
        pairs, dist = self.pairs_within(model, act, reach, with_dist=True)
        return kinematics.braking_push(model.pos[act], vel, pairs, dist, margin, p.max_accel)

"""SwarmModel: a leader–follower swarm that travels a route and replaces agents that drop out.

State lives in numpy arrays (one row per agent, rows never move); Mesa `Agent` objects are thin
handles so Mesa's AgentSet, DataCollector, batch_run and SolaraViz work. `step()` reads as the
recipe of one time step: faults → sense → elect → assign slots → move → measure.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from sim import election as election_mod
from sim import faults, formations, kinematics, metrics
from sim.agents import SwarmAgent
from sim.behaviours import load as load_behaviour
from sim.behaviours.flock import flock_velocity
from sim.neighbours import DENSE_MAX_N, close_pairs, dense_d2, min_distance, pair_sum, pair_vectors
from sim.params import SwarmParams
from sim.route import default_route, start_point
from sim.slots import assign_slots

REPORTERS = (
    "n_active",
    "n_leaders",
    "leader_id",
    "formation_error",
    "order",
    "cohesion",
    "largest_component",
    "algebraic_connectivity",
    "min_separation",
    "waypoints_reached",
    "direction_error",
)

FOLLOW_GAIN = 0.2  # 1/step: how fast a follower closes the gap to its slot
SEPARATION_FRACTION = 0.6  # separation acts within this fraction of `spacing`
SEPARATION_GAIN = 0.5  # m/step of push per m of intrusion
FLOCK_VISION = 3.0  # flock neighbours are seen within this many `spacing`s
GRAPH_EVERY_N = 200  # above this many active agents, graph metrics every GRAPH_PERIOD steps
GRAPH_PERIOD = 10  # steps
SUCCESS_FRACTION = 0.5  # share of the initial agents that must finish with the leader


class SwarmModel(mesa.Model):
    """A swarm of point agents with one leader, travelling a route of waypoints.

    Args:
        preset: name of a preset in `sim.PRESETS`; its overrides (and seed, unless `rng` is
            given) are applied first, explicit keywords override them.
        rng: seed (or numpy Generator) for all randomness in the run.
        scenario: Mesa's own Scenario object (passed by SolaraViz's Reset); not used otherwise.
        **params: any field of `SwarmParams`.

    Raises:
        ValueError: for unknown parameter names or out-of-range values, naming the field and the
            allowed range.
    """

    def __init__(
        self, *, preset: str | None = None, rng: Any = None, scenario: Any = None, **params: Any
    ) -> None:
        from sim.presets import resolve

        settings, preset_seed = resolve(preset, params)
        self.params = SwarmParams.build(**settings)
        rng = _coerce_seed(rng if rng is not None else preset_seed)
        if scenario is not None and rng is not None and getattr(scenario, "rng", None) != rng:
            scenario = None  # Mesa's empty Scenario from a Reset: our rng wins
        super().__init__(rng=rng, scenario=scenario)
        self.preset = preset
        self.seed = rng
        self.events: list[tuple[float, str, int, str]] = []
        self._setup_state()
        self._setup_agents()
        self.election = election_mod.create(self)
        self.datacollector = mesa.DataCollector(model_reporters={r: r for r in REPORTERS})
        self._measure(force_graph=True)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ setup
    def _setup_state(self) -> None:
        p = self.params
        n = p.n_agents
        self.arena_size = p.arena_size or 60.0 * math.sqrt(n)
        if p.coordination == "vicsek" and p.arena_size is None:
            from sim.behaviours.vicsek import DEFAULT_DENSITY

            self.arena_size = math.sqrt(n / DEFAULT_DENSITY)
        self.torus = p.torus if p.torus is not None else p.coordination == "vicsek"
        self.route = (
            np.asarray(p.waypoints, dtype=float)
            if p.waypoints is not None
            else default_route(p.route, self.arena_size)
        )
        self.waypoint_index = 0
        self.cruise_speed = p.cruise_fraction * p.max_speed
        self.offsets = formations.slot_offsets(p.formation, n - 1, p.spacing)
        # The leader turns at most a/v per step (its acceleration limit). The formation's frame
        # follows the leader's heading more slowly: a slot at radius R swings at R·ω when the
        # frame turns at ω, so ω is capped to keep that within half the followers' speed slack.
        slack = max(p.max_speed - self.cruise_speed, 0.05 * p.max_speed)
        radius = max(formations.formation_radius(self.offsets), p.spacing)
        self.max_turn = p.max_accel / max(self.cruise_speed, 1e-9)
        self.frame_turn = min(self.max_turn, 0.5 * slack / radius)
        start = start_point(p.route, self.arena_size) if p.waypoints is None else self.route[0]
        target = self.route[0] if p.waypoints is None else self.route[min(1, len(self.route) - 1)]
        if p.waypoints is not None and len(self.route) > 1:
            self.waypoint_index = 1
        heading = math.atan2(*(target - start)[::-1]) if np.any(target != start) else 0.0
        self.heading = heading  # leader's heading (rad)
        self.frame_heading = heading  # heading of the formation's slot frame (rad)
        self.leader = 0
        self.slot_of = np.full(n, -1, dtype=np.intp)
        self.slot_of[1:] = np.arange(n - 1)
        self.active = np.ones(n, dtype=bool)
        self.ids = np.arange(1, n + 1)  # Mesa's unique_id of row i is i + 1
        if p.coordination in ("couzin", "vicsek"):
            self.pos = self.rng.random((n, 2)) * self.arena_size
            angle = self.rng.uniform(-math.pi, math.pi, n)
            self.vel = np.column_stack([np.cos(angle), np.sin(angle)])
        else:
            jitter = self.rng.uniform(-0.25, 0.25, (n, 2)) * p.spacing
            self.pos = start + np.vstack([[0.0, 0.0], formations.rotate(self.offsets, heading)])
            self.pos = self.pos + jitter * (np.arange(n) > 0)[:, None]
            self.vel = np.zeros((n, 2))
        self.estimate = self.pos.copy()
        self.slots = self.pos.copy()
        self.dropped_at = np.full(n, -1, dtype=np.int64)
        self._adj: np.ndarray | None = None  # last small-N adjacency (graph metrics cached on it)
        self._d2: np.ndarray | None = None  # last small-N squared-distance matrix ...
        self._d2_rows: np.ndarray | None = None  # ... and the rows it covers
        self._contacts: set[tuple[int, int]] = set()
        self._collisions = 0
        self._leader_changes = 0
        self._leaderless_steps = 0
        self._leader_lost_at: float | None = None
        self._recoveries: list[float] = []
        self._formation_errors: list[float] = []
        self.completion_time: float | None = None
        self.outcome: str | None = None
        self.behaviour = None

    def _setup_agents(self) -> None:
        self.handles = SwarmAgent.create_agents(self, self.params.n_agents)
        self.handles = list(self.handles)
        for row, agent in enumerate(self.handles):
            agent.row = row
        if self.params.coordination in ("couzin", "vicsek"):
            self.behaviour = load_behaviour(self.params.coordination)(self)
            if self.params.coordination == "vicsek" or self.params.election == "none":
                self.leader = -1
            self.slot_of[:] = -1

    # ------------------------------------------------------------------ the step recipe
    def step(self) -> None:
        """Advance the swarm by one step: faults → sense → elect → slots → move → measure."""
        self._inject_faults()
        self._sense()
        self.election.step(self)
        self._move()
        self._advance_mission()
        self._measure()
        self.datacollector.collect(self)

    def _inject_faults(self) -> None:
        p = self.params
        if p.leader_dropout_at >= 0 and self.time == p.leader_dropout_at and self.leader >= 0:
            self.drop_leader()
        for row in faults.sample_dropouts(self.active, p.dropout_rate, self.rng):
            self.drop_agent(int(self.ids[row]))

    def _sense(self) -> None:
        p = self.params
        noise = p.position_noise
        # Without noise the estimate *is* the truth (an alias, no copy).
        self.estimate = (
            self.pos + self.rng.normal(0.0, noise, self.pos.shape) if noise else self.pos
        )

    def _move(self) -> None:
        p = self.params
        act = np.flatnonzero(self.active)
        if len(act) == 0:
            return
        if self.behaviour is not None:
            self.vel[act] = self.behaviour.velocities(self)[act]
        else:
            desired = self._desired_velocity(act)
            self.vel[act], _ = kinematics.steer(self.vel[act], desired, p.max_speed, p.max_accel)
        self.pos[act] += self.vel[act]
        if self.torus:
            self.pos[act] %= self.arena_size

    def _desired_velocity(self, act: np.ndarray) -> np.ndarray:
        """Desired velocities of the active rows `act` (leader flies the route)."""
        p = self.params
        pos = self.estimate[act]
        vel = self.vel[act]
        desired = np.zeros_like(pos)
        leader = self.leader
        lead_pos = self.estimate[leader] if leader >= 0 else None
        if p.coordination == "flock":
            pairs = close_pairs(self.pos[act], FLOCK_VISION * p.spacing)
            desired = flock_velocity(
                pos, vel, pairs, lead_pos, separation_radius=p.spacing, max_accel=p.max_accel
            )
        else:
            followers = self.slot_of[act] >= 0
            if leader >= 0:
                self.slots = self._slot_positions()
                err = self.slots[act[followers]] - pos[followers]
                desired[followers] = self.vel[leader] + kinematics.arrival_velocity(
                    err, FOLLOW_GAIN, p.max_accel
                )
            desired += self._separation(act)
        if leader >= 0:
            k = int(np.searchsorted(act, leader))
            desired[k] = self._leader_velocity()
        return desired

    def _slot_positions(self) -> np.ndarray:
        """World position of each row's slot (rows without a slot: their own position)."""
        slots = self.pos.copy()
        has = self.slot_of >= 0
        world = formations.rotate(self.offsets[self.slot_of[has]], self.frame_heading)
        slots[has] = self.estimate[self.leader] + world
        return slots

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
        pairs = close_pairs(pos, radius)
        d = pos[pairs[:, 1]] - pos[pairs[:, 0]]
        dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        f = d * (SEPARATION_GAIN * (radius - dist) / dist)[:, None]
        return pair_sum(len(pos), pairs, -f, f)

    def _leader_velocity(self) -> np.ndarray:
        """The leader turns toward its current waypoint at a bounded rate and cruises."""
        if self.waypoint_index >= len(self.route):
            return np.zeros(2)
        to_wp = self.route[self.waypoint_index] - self.estimate[self.leader]
        bearing = math.atan2(to_wp[1], to_wp[0])
        self.heading = kinematics.turn_toward(self.heading, bearing, self.max_turn)
        self.frame_heading = kinematics.turn_toward(
            self.frame_heading, self.heading, self.frame_turn
        )
        # Slow down while facing away from the waypoint, so the turning circle shrinks.
        off = abs((bearing - self.heading + math.pi) % (2 * math.pi) - math.pi)
        speed = self.cruise_speed * max(math.cos(off), 0.25)
        if self.waypoint_index == len(self.route) - 1:  # arrive at the last waypoint
            speed = min(speed, math.sqrt(2 * self.params.max_accel * math.hypot(*to_wp)))
        return speed * np.array([math.cos(self.heading), math.sin(self.heading)])

    def _advance_mission(self) -> None:
        p = self.params
        if self.leader >= 0 and self.waypoint_index < len(self.route):
            dist = np.hypot(*(self.pos[self.leader] - self.route[self.waypoint_index]))
            if dist <= p.waypoint_radius:
                self.log("waypoint_reached", self.leader, f"waypoint {self.waypoint_index}")
                self.waypoint_index += 1
                if self.waypoint_index == len(self.route):
                    self._finish()
        if self.running and self.time >= p.max_steps:
            self._end("mission_failed", "out of time")
        elif self.running and not self.active.any():
            self._end("mission_failed", "no agents left")
        elif self.running and self.leader < 0 and not self.election.can_recover(self):
            self._end("mission_failed", "leaderless with no way to choose a new leader")

    def _finish(self) -> None:
        """Route done: success if enough of the swarm arrived with the leader."""
        edges = close_pairs(self.pos, self.params.comm_range)
        _, labels = metrics.components(len(self.pos), edges)
        with_leader = self.active & (labels == labels[self.leader])
        need = SUCCESS_FRACTION * self.params.n_agents
        if with_leader.sum() >= need:
            self.completion_time = self.time
            self._end("mission_complete", f"{int(with_leader.sum())} agents arrived together")
        else:
            self._end("mission_failed", f"only {int(with_leader.sum())} agents arrived together")

    def _end(self, kind: str, detail: str) -> None:
        self.outcome = kind
        self.running = False
        self.log(kind, self.leader, detail)

    # ------------------------------------------------------------------ faults (public verbs)
    def drop_agent(self, unique_id: int) -> None:
        """Make the agent with this unique_id drop out (it stops and never moves again).

        Raises:
            ValueError: if no such agent exists.
        """
        row = self._row(unique_id)
        if not self.active[row]:
            return
        self.active[row] = False
        self.vel[row] = 0.0
        self.dropped_at[row] = int(self.time)
        was_leader = row == self.leader
        self.log("dropout", row, "leader" if was_leader else "follower")
        self.handles[row].remove()
        self.slot_of[row] = -1
        if was_leader:
            self.leader = -1
            self._leader_lost_at = self.time
        self.election.on_dropout(self, row, was_leader)

    def drop_leader(self) -> None:
        """Make the current leader drop out (nothing happens when there is none)."""
        if self.leader >= 0:
            self.drop_agent(int(self.ids[self.leader]))

    def elect_leader(self, row: int, detail: str) -> None:
        """Make `row` the leader (called by the election protocol) and reassign slots."""
        if self._leader_lost_at is not None:
            self._recoveries.append(self.time - self._leader_lost_at)
            self._leader_lost_at = None
        self.leader = row
        self._leader_changes += 1
        speed = np.hypot(*self.vel[row])
        if speed > 1e-6:
            self.heading = math.atan2(self.vel[row, 1], self.vel[row, 0])
            self.frame_heading = self.heading
        self.log("leader_elected", row, detail)
        self.reassign_slots()

    def reassign_slots(self) -> None:
        """Refill the formation after a membership change, by `slot_assignment`."""
        if self.params.coordination != "formation" or self.leader < 0:
            return
        self.slot_of[self.leader] = -1
        followers = np.flatnonzero(self.active & (np.arange(len(self.active)) != self.leader))
        new = assign_slots(
            self.params.slot_assignment,
            self.slot_of[followers],
            self.estimate[followers],
            self.estimate[self.leader],
            self.frame_heading,
            self.offsets,
        )
        moved = int(np.count_nonzero(new != self.slot_of[followers]))
        self.slot_of[followers] = new
        self.log(
            "slot_reassigned",
            self.leader,
            f"{moved} followers moved ({self.params.slot_assignment})",
        )

    def add_waypoint(self, point) -> None:
        """Append a waypoint (x, y) in metres to the route (the UI's click on empty space).

        Raises:
            ValueError: if the point is not two finite numbers.
        """
        xy = np.asarray(point, dtype=float).reshape(-1)
        if xy.shape != (2,) or not np.all(np.isfinite(xy)):
            raise ValueError(f"waypoint must be two finite numbers (x, y); got {point!r}")
        self.route = np.vstack([self.route, xy])
        if not self.running and self.outcome == "mission_complete":
            self.running, self.outcome, self.completion_time = True, None, None
        self.log("waypoint_added", -1, f"({xy[0]:.1f}, {xy[1]:.1f})")

    def links(self) -> np.ndarray:
        """Rows (m, 2) of active agent pairs within communication range (for drawing)."""
        act = np.flatnonzero(self.active)
        box = self.arena_size if self.torus else None
        return act[close_pairs(self.pos[act], self.params.comm_range, box)]

    def slot_positions(self) -> np.ndarray:
        """World position (N, 2) of each row's formation slot (own position if none)."""
        if self.leader < 0:
            return self.pos.copy()
        return self._slot_positions_true()

    # ------------------------------------------------------------------ measure
    def _measure(self, force_graph: bool = False) -> None:
        p = self.params
        act = np.flatnonzero(self.active)
        n = len(act)
        box = self.arena_size if self.torus else None
        self.n_active = n
        self.n_leaders = int(self.leader >= 0)
        self.leader_id = int(self.ids[self.leader]) if self.leader >= 0 else -1
        pos, vel = self.pos[act], self.vel[act]
        self.order = metrics.order(vel)
        self.cohesion = metrics.cohesion(pos)
        followers = act[self.slot_of[act] >= 0]
        if p.coordination == "formation" and self.leader >= 0 and len(followers):
            self.formation_error = metrics.formation_error(
                self.pos[followers], self._slot_positions_true()[followers]
            )
        else:
            self.formation_error = math.nan
        if not math.isnan(self.formation_error):
            self._formation_errors.append(self.formation_error)
        self._d2_rows = None
        if n <= DENSE_MAX_N:
            d2 = dense_d2(pos, box)
            self._d2, self._d2_rows = d2, act
            adj = d2 < p.comm_range**2
            np.fill_diagonal(adj, False)
            if self._adj is None or not np.array_equal(adj, self._adj):
                self.largest_component, self.algebraic_connectivity = metrics.graph_metrics(adj)
                self._adj = adj
            d2 = d2.copy()
            np.fill_diagonal(d2, np.inf)
            self.min_separation = float(np.sqrt(d2.min())) if n > 1 else math.nan
            i, j = np.nonzero(d2 < p.collision_radius**2)
            self._count_collisions(act[i[i < j]], act[j[i < j]])
        else:
            if force_graph or n <= GRAPH_EVERY_N or int(self.time) % GRAPH_PERIOD == 0:
                edges = close_pairs(pos, p.comm_range, box)
                self.largest_component = metrics.largest_component(n, edges)
                self.algebraic_connectivity = metrics.algebraic_connectivity(n, edges)
            # Pairs within one spacing give both the collisions and, when there are any, the
            # closest pair; only an all-spread-out swarm needs the nearest-neighbour query.
            close = close_pairs(pos, max(p.collision_radius, p.spacing), box)
            dist = np.hypot(*pair_vectors(pos, close, box).T)
            self.min_separation = float(dist.min()) if len(close) else min_distance(pos, box)
            hit = close[dist < p.collision_radius]
            self._count_collisions(act[hit[:, 0]], act[hit[:, 1]])
        self.waypoints_reached = self.waypoint_index - (
            1 if p.waypoints is not None and len(self.route) > 1 else 0
        )
        self.direction_error = self._direction_error(vel)
        if self.leader < 0 and self.running:
            self._leaderless_steps += 1 if self.time > 0 else 0

    def _slot_positions_true(self) -> np.ndarray:
        slots = self.pos.copy()
        has = self.slot_of >= 0
        slots[has] = self.pos[self.leader] + formations.rotate(
            self.offsets[self.slot_of[has]], self.frame_heading
        )
        return slots

    def _count_collisions(self, rows_a: np.ndarray, rows_b: np.ndarray) -> None:
        """Count pairs that came closer than the collision radius since the last step."""
        if not len(rows_a) and not self._contacts:
            return
        current = set(zip(rows_a.tolist(), rows_b.tolist(), strict=True))
        self._collisions += len(current - self._contacts)
        self._contacts = current

    def _direction_error(self, vel: np.ndarray) -> float:
        if self.params.coordination != "couzin" or len(vel) == 0:
            return math.nan
        goal = self.goal_direction()
        if goal is None:
            return math.nan
        mean = vel.mean(axis=0)
        if not np.any(mean):
            return math.nan
        cos = np.dot(mean, goal) / np.hypot(*mean)
        return float(math.acos(max(-1.0, min(1.0, cos))))

    def goal_direction(self) -> np.ndarray | None:
        """Unit vector from the group's centroid toward the current waypoint (None when done)."""
        if self.waypoint_index >= len(self.route) or not self.active.any():
            return None
        d = self.route[self.waypoint_index] - self.pos[self.active].mean(axis=0)
        norm = math.hypot(*d)
        return d / norm if norm > 0 else None

    # ------------------------------------------------------------------ queries
    def summary(self) -> dict[str, Any]:
        """Run-level outcome (see README, "Summary fields")."""
        fe = self._formation_errors
        recov = self._recoveries
        return {
            "mission_success": self.outcome == "mission_complete",
            "completion_time": self.completion_time
            if self.completion_time is not None
            else math.nan,
            "waypoints_reached": self.waypoints_reached,
            "leader_changes": self._leader_changes,
            "leaderless_steps": self._leaderless_steps,
            "max_recovery_steps": max(recov)
            if recov
            else (math.nan if self._leader_lost_at is None else math.inf),
            "mean_formation_error": float(np.mean(fe)) if fe else math.nan,
            "collisions": self._collisions,
            "final_active": self.n_active,
            "steps": int(self.time),
        }

    def log(self, kind: str, row: int, detail: str = "") -> None:
        """Record an event (time, kind, agent unique_id or -1, detail)."""
        uid = int(self.ids[row]) if row is not None and row >= 0 else -1
        self.events.append((float(self.time), kind, uid, detail))

    def _row(self, unique_id: int) -> int:
        uid = int(unique_id)
        if not 1 <= uid <= len(self.ids):
            raise ValueError(f"unique_id must be in [1, {len(self.ids)}]; got {unique_id!r}")
        return uid - 1

    def run(self, steps: int | None = None) -> dict[str, Any]:
        """Step until the mission ends (or `steps` more steps); return `summary()`."""
        limit = self.params.max_steps if steps is None else int(self.time) + steps
        while self.running and self.time < limit:
            self.step()
        return self.summary()


def _coerce_seed(rng: Any) -> Any:
    """Accept seeds typed into a UI text field ("42") as integers."""
    if isinstance(rng, str):
        text = rng.strip()
        if text == "" or text.lower() == "none":
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"rng (seed) must be a whole number; got {rng!r}") from None
    return rng

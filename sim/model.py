"""SwarmModel: a leader–follower swarm that travels a route and replaces agents that drop out.

State lives in numpy arrays (one row per agent, rows never move); Mesa `Agent` objects are thin
handles so Mesa's AgentSet, DataCollector, batch_run and SolaraViz work. Agents act on what they
*know*: their own position estimate and the heartbeats and election messages that reached them.
`step()` reads as the recipe of one time step:

    faults → sense → communicate → detect → elect → move → mission → measure
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from sim import faults, formations, positioning
from sim.agents import SwarmAgent
from sim.behaviours import load as load_behaviour
from sim.components.leadership import Hooks, Leadership
from sim.components.network import Network
from sim.control import Flight
from sim.measure import DENSE_GRAPH_MAX_N, Collector, Measurements
from sim.motion import Motion
from sim.neighbours import DENSE_MAX_N
from sim.params import (
    STEP_LIMIT,
    SwarmParams,
    check_point,
    check_unique_id,
    check_whole,
    coerce_seed,
)
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

FLOCK_VISION = 3.0  # flock neighbours are seen within this many `spacing`s
COLLECTIVE = ("couzin", "vicsek")
SUCCESS_FRACTION = 0.5  # share of the initial agents that must arrive with the leader


class SwarmModel(Motion, Measurements, mesa.Model):
    """A swarm of point agents with one leader, travelling a route of waypoints.

    Args:
        preset: name of a preset in `sim.PRESETS`; its overrides (and seed, unless `rng` is
            given) are applied first, explicit keywords override them.
        rng: seed for all randomness in the run: None, a non-negative integer (Python or numpy),
            a string of digits, or a numpy Generator (see `sim.params.coerce_seed`).
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
        rng = coerce_seed(rng if rng is not None else preset_seed)
        if scenario is not None and rng is not None and getattr(scenario, "rng", None) != rng:
            scenario = None  # Mesa's empty Scenario from a Reset: our rng wins
        super().__init__(rng=rng, scenario=scenario)
        self.preset = preset
        self.seed = rng
        self.events: list[tuple[float, str, int, str]] = []
        self._setup_geometry()
        self._setup_agents()
        self._setup_measurements()
        self._setup_network()
        self.datacollector = Collector(model_reporters={r: r for r in REPORTERS})
        self._measure(force_graph=True)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ setup
    def _setup_geometry(self) -> None:
        p = self.params
        self.n = n = p.n_agents
        self.rows = np.arange(n)
        self.ids = self.rows + 1  # Mesa's unique_id of row i is i + 1
        self.arena_size = p.arena_size or 60.0 * math.sqrt(n)
        if p.coordination == "vicsek" and p.arena_size is None:
            from sim.behaviours.vicsek import DEFAULT_DENSITY

            self.arena_size = math.sqrt(n / DEFAULT_DENSITY)
        self.torus = p.torus if p.torus is not None else p.coordination == "vicsek"
        explicit = p.waypoints is not None
        route = np.asarray(p.waypoints) if explicit else default_route(p.route, self.arena_size)
        start = route[0] if explicit else start_point(p.route, self.arena_size)
        if explicit and len(route) > 1:
            route = route[1:]  # an explicit route starts where the swarm starts
        self.routes = {0: route}  # route versions: only leaders know the newest
        self.cruise_speed = p.cruise_fraction * p.max_speed
        self.vision = FLOCK_VISION * p.spacing if p.coordination == "flock" else 0.0
        self.offsets = formations.slot_offsets(p.formation, n - 1, p.spacing)
        # The leader turns at most a/v per step. The slot frame follows more slowly: a slot at
        # radius R swings at R·ω when the frame turns at ω, so ω keeps that within half the
        # followers' speed slack.
        slack = max(p.max_speed - self.cruise_speed, 0.05 * p.max_speed)
        radius = max(formations.formation_radius(self.offsets), p.spacing)
        self.max_turn = p.max_accel / max(self.cruise_speed, 1e-9)
        self.frame_turn = min(self.max_turn, 0.5 * slack / radius)
        to_wp = route[0] - start
        self.start_heading = math.atan2(to_wp[1], to_wp[0]) if np.any(to_wp) else 0.0
        self.active = np.ones(n, dtype=bool)
        self.active_rows = self.rows.copy()  # np.flatnonzero(self.active), kept up to date
        self.behaviour = None
        if p.coordination in COLLECTIVE:
            cls = load_behaviour(p.coordination)
            if hasattr(cls, "place"):
                self.pos, self.vel = cls.place(self)
            else:
                self.pos = self.rng.random((n, 2)) * self.arena_size
                angle = self.rng.uniform(-math.pi, math.pi, n)
                self.vel = np.column_stack([np.cos(angle), np.sin(angle)])
            self.behaviour = cls(self)
        else:
            jitter = self.rng.uniform(-0.25, 0.25, (n, 2)) * p.spacing
            self.pos = start + np.vstack(
                [[0.0, 0.0], formations.rotate(self.offsets, self.start_heading)]
            )
            self.pos = self.pos + jitter * (self.rows > 0)[:, None]
            self.vel = np.zeros((n, 2))
        self.estimate = self.pos.copy()

    def _setup_agents(self) -> None:
        self.handles = list(SwarmAgent.create_agents(self, self.n))
        for row, agent in enumerate(self.handles):
            agent.row = row

    def _setup_network(self) -> None:
        """The network every message travels on and, in leader modes, the leadership layer."""
        p = self.params
        collective = self.behaviour is not None
        self.network = Network(
            self.n,
            comm_range=p.comm_range,
            message_loss=p.message_loss,
            distance_loss=p.distance_loss,
            delay=p.comm_delay,
            rng=self.rng,
            box=self.arena_size if self.torus else None,
            max_links=p.max_links,
            reach=0.0 if collective else max(p.spacing, self.vision, self.look_ahead()),
            dense_max=DENSE_GRAPH_MAX_N if collective else DENSE_MAX_N,
        )
        self.network.update(self.pos, self.active, self.active_rows)
        self.flights: dict[int, Flight] = {}  # how each leader flies (leader modes)
        self.leadership = None
        if not collective:  # agent 1 (row 0) leads at the start, in term 1
            self.flights[0] = Flight(0, 0, self.start_heading, self.start_heading)
            self.leadership = Leadership(p, self.network, self.rng, _Crew(self), leader=0)
        self.positioning_lost = False

    # ------------------------------------------------------------------ the step recipe
    def step(self) -> None:
        """Advance one step: faults → sense → communicate → detect → elect → move → measure."""
        self._inject_faults()
        self._sense()
        if self.leadership is not None:
            self.network.update(self.pos, self.active, self.active_rows)
            self.leadership.step(int(self.time))
        self._move()
        self._advance_mission()
        self._measure()
        self.datacollector.collect(self)

    def _inject_faults(self) -> None:
        p = self.params
        t = int(self.time)
        if p.leader_dropout_at >= 0 and t == p.leader_dropout_at:
            self.drop_leader()
        if t == p.blackout_at and p.blackout_steps > 0:
            self.jam_communications(p.blackout_steps)
        if t == p.positioning_lost_at:
            self.lose_positioning()
        for step, uid in p.scheduled_dropouts or ():
            if int(step) == t:
                self.drop_agent(int(uid))
        if p.dropout_rate <= 0.0:
            return
        pool = self.active
        if p.dropout_pool == "informed":  # couzin only (SwarmParams rejects it elsewhere)
            pool = self.active & self.behaviour.informed
        for row in faults.sample_dropouts(pool, p.dropout_rate, self.rng):
            self.drop_agent(int(self.ids[row]))

    def _sense(self) -> None:
        """Update each agent's own position estimate (fix with noise, or dead reckoning)."""
        p = self.params
        if self.positioning_lost:
            return  # dead reckoning advances the estimates as agents move (see _move)
        if p.position_noise > 0:
            self.estimate = positioning.fix_estimates(self.pos, p.position_noise, self.rng)
        else:
            self.estimate = self.pos  # exact: an alias, no copy

    @property
    def blackout(self) -> bool:
        """True while communication is jammed."""
        return self.network.jammed(self.time)

    # ------------------------------------------------------------------ mission
    def _advance_mission(self) -> None:
        p = self.params
        if p.coordination == "couzin":
            self._advance_collective()
        latest = max(self.routes)
        for row, flight in list(self.flights.items()):
            route = self.routes[flight.route_version]
            if flight.waypoint_index < len(route):
                ex, ey = self.estimate[row].tolist()
                wx, wy = route[flight.waypoint_index].tolist()
                if math.hypot(ex - wx, ey - wy) <= p.waypoint_radius:
                    self.log("waypoint_reached", row, f"waypoint {flight.waypoint_index}")
                    flight.waypoint_index += 1
                    self._max_wp = max(self._max_wp, flight.waypoint_index)
            if flight.waypoint_index == len(route) and flight.route_version == latest:
                self._check_arrival(row)
        if self.running and self.time >= p.max_steps:
            self._end("mission_failed", "out of time")
        elif self.running and not self.active.any():
            self._end("mission_failed", "no agents left")
        elif (
            self.running
            and self.leadership
            and not self.leadership.protocol.can_recover(self.leadership)
        ):
            self._end("mission_failed", "leaderless with no way to choose a new leader")

    def _advance_collective(self) -> None:
        """Couzin / vicsek: a waypoint is reached when the group's centroid gets there."""
        route = self.routes[max(self.routes)]
        if self._collective_wp >= len(route) or not self.active.any():
            return
        centroid = self.pos[self.active].mean(axis=0)
        if math.hypot(*(centroid - route[self._collective_wp])) <= self.params.waypoint_radius:
            self.log("waypoint_reached", -1, f"waypoint {self._collective_wp} (group centroid)")
            self._collective_wp += 1
            self._max_wp = max(self._max_wp, self._collective_wp)
            if self._collective_wp == len(route) and self.running:
                self.completion_time = self.time
                self._end("mission_complete", "the group's centroid reached the last waypoint")

    def _check_arrival(self, row: int) -> None:
        """At the last waypoint the leader holds until enough of its group has arrived with it.

        Success once at least SUCCESS_FRACTION of the initial agents (the leader included) are
        with it *as its group*: they follow this leader, are linked to it by relay, and were
        with the group for at least TOGETHER_SHARE of the steps so far (`Measurements`).
        Otherwise it waits for stragglers until max_steps.
        """
        if not self.running or row != self.leader:
            return
        arrived = int(np.count_nonzero(self.with_group(row) & self.kept_together()))
        if arrived >= SUCCESS_FRACTION * self.n:
            self.completion_time = self.time
            self._end("mission_complete", f"{arrived} agents arrived together")

    def _end(self, kind: str, detail: str) -> None:
        self.outcome = kind
        self.running = False
        self.log(kind, self.leader, detail)

    # ------------------------------------------------------------------ public verbs
    def drop_agent(self, unique_id: int) -> None:
        """Make the agent with this unique_id drop out (it stops and never moves again).

        Args:
            unique_id: a whole number in [1, n_agents]: a Python or numpy integer, or an integral
                float (2.0). Booleans, strings and fractional numbers are not ids.

        Raises:
            ValueError: if `unique_id` is not such a number, naming it and the allowed range.
        """
        row = self._row(unique_id)
        if not self.active[row]:
            return
        self.active[row] = False
        self.active_rows = np.flatnonzero(self.active)
        self.vel[row] = 0.0
        was_leader = self.leadership is not None and self.leadership.drop(row, int(self.time))
        self.log("dropout", row, "leader" if was_leader else "follower")
        self.handles[row].remove()
        if was_leader and self._lost_at is None:
            self._lost_at = self.time

    def drop_leader(self) -> None:
        """Make the current (main) leader drop out; nothing happens when there is none."""
        if self.leader >= 0:
            self.drop_agent(int(self.ids[self.leader]))

    def jam_communications(self, steps: int) -> None:
        """Lose every message for the next `steps` steps (a blackout).

        Raises:
            ValueError: unless steps is a whole number in [1, 10,000,000] (as for blackout_steps;
                integral floats such as 5.0 count, booleans and strings do not).
        """
        steps = check_whole("steps", steps, 1, STEP_LIMIT)
        self.network.jam(int(self.time), steps)
        self.log("blackout", -1, f"all messages lost for {int(steps)} steps")

    def lose_positioning(self) -> None:
        """Positioning fixes stop: every agent dead-reckons from now on (its error drifts)."""
        if not self.positioning_lost:
            self.positioning_lost = True
            self.estimate = self.estimate.copy()
            self.log(
                "positioning_lost", -1, f"dead reckoning, drift {self.params.drift_noise} m/step"
            )

    def restore_positioning(self) -> None:
        """Positioning fixes return."""
        if self.positioning_lost:
            self.positioning_lost = False
            self.log("positioning_restored", -1, "")

    def add_waypoint(self, point) -> None:
        """Append a waypoint (x, y) in metres: only the leader learns of it, others by relay.

        Raises:
            ValueError: if the point is not two finite numbers (booleans and text are not).
        """
        xy = check_point("waypoint", point)
        version = max(self.routes) + 1
        self.routes[version] = np.vstack([self.routes[version - 1], xy])
        if self.leader >= 0:
            self.flights[self.leader].route_version = version
        if not self.running and self.outcome == "mission_complete":
            self.running, self.outcome, self.completion_time = True, None, None
        self.log("waypoint_added", self.leader, f"({xy[0]:.1f}, {xy[1]:.1f})")

    # ------------------------------------------------------------------ queries
    @property
    def leader(self) -> int:
        """Row of the main leader (highest term, then lowest id; -1 when there is none)."""
        return self.leadership.main if self.leadership is not None else -1

    @property
    def is_leader(self) -> np.ndarray:
        """Which rows are active leaders (a partition can have one per part)."""
        if self.leadership is None:
            return np.zeros(self.n, dtype=bool)
        return self.leadership.is_leader

    @property
    def elections(self) -> list[tuple[float, int, int]]:
        """(time, unique_id, term) of every election won."""
        return self.leadership.elections if self.leadership is not None else []

    @property
    def election(self):
        """The election protocol in use (None in the leaderless modes)."""
        return self.leadership.protocol if self.leadership is not None else None

    @property
    def route(self) -> np.ndarray:
        """The newest route (k, 2) of waypoints (m)."""
        return self.routes[max(self.routes)]

    @property
    def waypoint_index(self) -> int:
        """Index of the main leader's current waypoint (the group's, in collective modes)."""
        if self.behaviour is not None:
            return self._collective_wp
        lead = self.leader
        return self.flights[lead].waypoint_index if lead >= 0 else self._max_wp

    @property
    def heading(self) -> float:
        """The main leader's heading (rad); the start heading when there is none."""
        lead = self.leader
        return self.flights[lead].heading if lead >= 0 else self.start_heading

    @property
    def frame_heading(self) -> float:
        """The main leader's slot-frame heading (rad)."""
        lead = self.leader
        return self.flights[lead].frame_heading if lead >= 0 else self.start_heading

    @property
    def slot_of(self) -> np.ndarray:
        """Each row's slot in the main leader's current table (-1: none)."""
        lead = self.leader
        if lead < 0 or self.params.coordination != "formation":
            return np.full(self.n, -1, dtype=np.int64)
        return self.leadership.slot_table(lead)

    def slot_positions(self) -> np.ndarray:
        """World position (N, 2) of each row's slot around the main leader (own if none)."""
        out = self.pos.copy()
        lead, slots = self.leader, self.slot_of
        has = slots >= 0
        if lead >= 0 and has.any():
            out[has] = self.pos[lead] + formations.rotate(
                self.offsets[slots[has]], self.frame_heading
            )
        return out

    def links(self) -> np.ndarray:
        """Rows (m, 2) of active agent pairs within communication range (for drawing)."""
        self.network.update(self.pos, self.active, self.active_rows)
        return self.network.pairs.copy()

    def reachable(self, row: int) -> np.ndarray:
        """Active agents with a link path to `row`."""
        self.network.update(self.pos, self.active, self.active_rows)
        return self.network.reachable(row)

    def message_counts(self) -> tuple[int, int]:
        """(sent, delivered) over every channel: one count per sender → receiver message."""
        return self.network.counts()

    def goal_direction(self) -> np.ndarray | None:
        """Preferred unit direction of informed agents (couzin); None where it does not apply."""
        if self.behaviour is not None and hasattr(self.behaviour, "goal_direction"):
            return self.behaviour.goal_direction(self)
        if self.waypoint_index >= len(self.route) or not self.active.any():
            return None
        d = self.route[self.waypoint_index] - self.pos[self.active].mean(axis=0)
        norm = math.hypot(*d)
        return d / norm if norm > 0 else None

    def log(self, kind: str, row: int | None, detail: str = "") -> None:
        """Record an event (time, kind, agent unique_id or -1, detail)."""
        uid = int(self.ids[row]) if row is not None and row >= 0 else -1
        self.events.append((float(self.time), kind, uid, detail))

    def _row(self, unique_id: int) -> int:
        return check_unique_id(unique_id, self.n) - 1

    def run(self, steps: int | None = None) -> dict[str, Any]:
        """Step until the mission ends (or `steps` more steps); return `summary()`."""
        limit = self.params.max_steps if steps is None else int(self.time) + steps
        while self.running and self.time < limit:
            self.step()
        return self.summary()


class _Crew(Hooks):
    """How the leadership layer reaches the rest of the model (flights, slots, the event log)."""

    def __init__(self, model: SwarmModel) -> None:
        self.model = model

    def flight(self, row: int) -> tuple:
        """The leader's flight for its beacon: its own estimate, velocity, heading, progress."""
        m = self.model
        f = m.flights[row]
        x, y = m.estimate[row].tolist()
        vx, vy = m.vel[row].tolist()
        return (
            x,
            y,
            vx,
            vy,
            f.heading,
            f.frame_heading,
            f.turn,
            f.frame_turn,
            f.waypoint_index,
            f.route_version,
        )

    def took_over(self, row: int, serial: int) -> None:
        """A new leader flies on from what its last beacon said (or from the start)."""
        m = self.model
        knows = m.leadership.knowledge
        route, waypoint = knows.route_of(serial) if serial >= 0 else (0, 0)
        vx, vy = m.vel[row].tolist()
        if math.hypot(vx, vy) > 1e-6:
            heading = math.atan2(vy, vx)
        else:
            heading = knows.heading_of(serial) if serial >= 0 else m.start_heading
        m.flights[row] = Flight(route, waypoint, heading, heading)

    def stood_down(self, row: int) -> None:
        """A leader that stepped down or dropped out stops flying the route."""
        self.model.flights.pop(row, None)

    def assign(self, row: int, members: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Formation: `slot_assignment` over the members' estimates; flock: rank order."""
        m = self.model
        if m.params.coordination != "formation":
            return np.arange(len(members))
        return assign_slots(
            m.params.slot_assignment,
            old,
            m.estimate[members],
            m.estimate[row],
            m.flights[row].frame_heading,
            m.offsets,
        )

    def log(self, kind: str, row: int, detail: str) -> None:
        """Events go to the model's log."""
        self.model.log(kind, row, detail)

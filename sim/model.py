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

from sim import comms, faults, formations, positioning
from sim import election as election_mod
from sim.agents import SwarmAgent
from sim.behaviours import load as load_behaviour
from sim.control import LeaderState
from sim.heartbeat import (
    Beacon,
    Knowledge,
)
from sim.leadership import Leadership
from sim.measure import Collector, Measurements
from sim.motion import Motion
from sim.params import (
    STEP_LIMIT,
    SwarmParams,
    check_point,
    check_unique_id,
    check_whole,
    coerce_seed,
)
from sim.route import default_route, start_point

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


class SwarmModel(Leadership, Motion, Measurements, mesa.Model):
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
        self.elections: list[tuple[float, int, int]] = []  # (time, unique_id, term) of each win
        self._setup_geometry()
        self._setup_agents()
        self._setup_knowledge()
        self._setup_measurements()
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
        self.dropped_at = np.full(n, -1, dtype=np.int64)
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

    def _setup_knowledge(self) -> None:
        """The initial leader (id 1, term 1) and its first heartbeat, known to all."""
        p = self.params
        n = self.n
        self.is_leader = np.zeros(n, dtype=bool)
        self.term = np.zeros(n, dtype=np.int64)
        self.belief = np.full(n, -1, dtype=np.int64)
        # Last step each agent heard a fresher heartbeat (or reset its election timer): silence
        # is measured from *receipt*, so relay latency along a long chain is not mistaken for loss.
        self.timer = np.zeros(n, dtype=np.int64)
        # Timers start with the first heartbeat an agent hears after the start (at the far end
        # of a long chain that takes many steps).
        self.armed = np.zeros(n, dtype=bool)
        self.timeout = self.draw_timeout(n)
        self.suspecting = np.zeros(n, dtype=bool)
        self.hb_dirty = np.zeros(n, dtype=bool)
        self.known = Knowledge(n)
        self.leaders: dict[int, LeaderState] = {}
        self._members_checked: dict[int, tuple[int, int]] = {}  # see _notice_dropouts
        self.beacons: dict[tuple[int, int], Beacon] = {}
        self.slot_maps: dict[int, np.ndarray] = {}
        self.heartbeats = comms.Channel(n, p.comm_delay, self.rng)
        self.blackout_until = -1
        if p.blackout_at >= 0 and p.blackout_steps > 0:
            self.blackout_from = p.blackout_at
        else:
            self.blackout_from = -1
        self.positioning_lost = False
        self.leader = -1
        self.election = election_mod.create(self)
        self._links = np.zeros((0, 2), dtype=np.intp)
        self._directed = self._links
        if p.coordination in COLLECTIVE:
            return
        slots = np.full(n, -1, dtype=np.int64)
        slots[1:] = np.arange(n - 1)
        self.slot_maps[0] = slots
        self.leaders[0] = LeaderState(
            term=1,
            since=0,
            route_version=0,
            waypoint_index=0,
            heading=self.start_heading,
            frame_heading=self.start_heading,
            slot_version=0,
        )
        self.is_leader[0] = True
        self.leader = 0
        self.term[:] = 1
        self._emit_heartbeats(force=True)
        self.belief[:] = self.belief[0]
        self.known.learn(self.rows, self.belief, self.slot_maps)
        self.hb_dirty[:] = False

    # ------------------------------------------------------------------ the step recipe
    def step(self) -> None:
        """Advance one step: faults → sense → communicate → detect → elect → move → measure."""
        self._inject_faults()
        self._sense()
        links, loss = self._communicate()
        suspects = self._detect()
        self.election.step(self, links, loss, suspects)
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
        if p.dropout_pool == "informed" and hasattr(self.behaviour, "informed"):
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
        return self.time < self.blackout_until

    def _communicate(self) -> tuple[np.ndarray, Any]:
        """Leaders emit heartbeats; beacons are relayed one hop; leaders that meet resolve."""
        p = self.params
        links = self._directed
        if self.blackout:
            loss: Any = 1.0
        else:
            loss = comms.link_loss(self.pos, links, p.message_loss, p.distance_loss, p.comm_range)
        if self.behaviour is not None:
            return links, loss
        if p.information == "oracle":
            self._tell_everyone()
            return links, loss
        self._emit_heartbeats()
        t = int(self.time)
        self.heartbeats.send(t, self.hb_dirty & self.active, self.belief, links, loss)
        self.hb_dirty[:] = False
        rows, keys = self.heartbeats.receive(t)
        live = self.active[rows]
        rows, keys = rows[live], keys[live]
        fresh = keys > self.belief[rows]
        rows, keys = rows[fresh], keys[fresh]
        if len(rows):
            self._adopt_beacons(rows, keys)
        return links, loss

    # ------------------------------------------------------------------ mission
    def _advance_mission(self) -> None:
        p = self.params
        if p.coordination == "couzin":
            self._advance_collective()
        latest = max(self.routes)
        for row, state in list(self.leaders.items()):
            route = self.routes[state.route_version]
            if not self.active[row]:
                continue
            if state.waypoint_index < len(route):
                ex, ey = self.estimate[row].tolist()
                wx, wy = route[state.waypoint_index].tolist()
                dist = math.hypot(ex - wx, ey - wy)
                if dist <= p.waypoint_radius:
                    self.log("waypoint_reached", row, f"waypoint {state.waypoint_index}")
                    state.waypoint_index += 1
                    self._max_wp = max(self._max_wp, state.waypoint_index)
            if state.waypoint_index == len(route) and state.route_version == latest:
                self._check_arrival(row)
        if self.running and self.time >= p.max_steps:
            self._end("mission_failed", "out of time")
        elif self.running and not self.active.any():
            self._end("mission_failed", "no agents left")
        elif self.running and self.behaviour is None and not self.election.can_recover(self):
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
        """At the last waypoint the leader holds, until enough of the group has arrived.

        Success once SUCCESS_FRACTION of the initial agents are with it (in its communication
        component); otherwise it waits for stragglers until max_steps.
        """
        if not self.running:
            return
        with_leader = int(self.reachable(row).sum())
        if with_leader >= SUCCESS_FRACTION * self.n:
            self.completion_time = self.time
            self._end("mission_complete", f"{with_leader} agents arrived together")

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
        was_leader = bool(self.is_leader[row])
        self.active[row] = False
        self.active_rows = np.flatnonzero(self.active)
        self.vel[row] = 0.0
        self.dropped_at[row] = int(self.time)
        self.log("dropout", row, "leader" if was_leader else "follower")
        self.handles[row].remove()
        if was_leader:
            self.is_leader[row] = False
            self.leaders.pop(row, None)
            self._update_leader()
            if self._lost_at is None:
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
        self.blackout_until = max(self.blackout_until, int(self.time) + int(steps))
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
            self.leaders[self.leader].route_version = version
        if not self.running and self.outcome == "mission_complete":
            self.running, self.outcome, self.completion_time = True, None, None
        self.log("waypoint_added", self.leader, f"({xy[0]:.1f}, {xy[1]:.1f})")

    # ------------------------------------------------------------------ queries
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
        return self.leaders[lead].waypoint_index if lead >= 0 else self._max_wp

    @property
    def heading(self) -> float:
        """The main leader's heading (rad); the start heading when there is none."""
        lead = self.leader
        return self.leaders[lead].heading if lead >= 0 else self.start_heading

    @property
    def frame_heading(self) -> float:
        """The main leader's slot-frame heading (rad)."""
        lead = self.leader
        return self.leaders[lead].frame_heading if lead >= 0 else self.start_heading

    @property
    def slot_of(self) -> np.ndarray:
        """Each row's slot in the main leader's current table (-1: none)."""
        lead = self.leader
        if lead < 0 or self.params.coordination != "formation":
            return np.full(self.n, -1, dtype=np.int64)
        return self.slot_maps[self.leaders[lead].slot_version]

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
        return self._links.copy()

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

"""SwarmModel: a group of point agents that travels a route and replaces agents that drop out.

The model wires its components (`sim.components`) and the coordination mode (`sim.modes`), and
keeps the recipe of one step::

    faults → sense → network → leadership → move → mission → measure → collect

State that several components read lives here as numpy arrays, one row per agent (rows never
move): true positions and velocities, each agent's own position estimate, who is active. Mesa
`Agent` objects are thin handles, so Mesa's AgentSet, batch_run and SolaraViz work. Agents act
on what they *know*: their own position estimate and the messages that reached them.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from sim import faults, midrun
from sim.agents import SwarmAgent
from sim.checks import check_point, check_unique_id, check_whole, coerce_seed
from sim.components.leadership import Hooks, Leadership
from sim.components.measurement import REPORTERS, Collector, Measurement
from sim.components.mission import Mission
from sim.components.motion import Motion
from sim.components.network import Network
from sim.formations import rotate
from sim.modes import load as load_mode
from sim.params import STEP_LIMIT, SwarmParams
from sim.presets import resolve
from sim.wording import count


class SwarmModel(mesa.Model):
    """A swarm of point agents travelling a route of waypoints, with or without a leader.

    Args:
        preset: name of a preset in `sim.PRESETS`; its overrides (and seed, unless `rng` is
            given) are applied first, explicit keywords override them.
        rng: seed for all randomness in the run: None, a non-negative integer (Python or numpy),
            a string of digits, or a numpy Generator (see `sim.checks.coerce_seed`).
        scenario: Mesa's own Scenario object (passed by SolaraViz's Reset); not used otherwise.
        **params: any field of `SwarmParams`.

    Raises:
        ValueError: for unknown parameter names or out-of-range values, naming the field and the
            allowed range.
    """

    def __init__(
        self, *, preset: str | None = None, rng: Any = None, scenario: Any = None, **params: Any
    ) -> None:
        settings, preset_seed = resolve(preset, params)
        self.params = p = SwarmParams.build(**settings)
        rng = coerce_seed(rng if rng is not None else preset_seed)
        if scenario is not None and rng is not None and getattr(scenario, "rng", None) != rng:
            scenario = None  # Mesa's empty Scenario from a Reset: our rng wins
        super().__init__(rng=rng, scenario=scenario)
        self.preset = preset
        self.seed = rng
        self.events: list[tuple[int, str, int, str]] = []
        self.n = n = p.n_agents
        self.ids = np.arange(1, n + 1)  # Mesa's unique_id of row i is i + 1
        mode_class = load_mode(p.coordination)
        self.arena_size, self.torus = mode_class.arena(p)
        self.mission = Mission(p, self.arena_size, self.log)
        self.mode = mode_class(self)
        self.pos, self.vel = self.mode.place(self)
        self.estimate = self.pos.copy()
        self.active = np.ones(n, dtype=bool)
        self.active_rows = np.arange(n)  # np.flatnonzero(self.active), kept up to date
        self.handles = list(SwarmAgent.create_agents(self, n))
        for row, agent in enumerate(self.handles):
            agent.row = row
        self.measurement = Measurement(n)
        self.motion = Motion(p, self.arena_size if self.torus else None)
        self.network = self._network()
        self.leadership = None
        if self.mode.info.leader:  # agent 1 (row 0) leads at the start, in term 1
            self.network.update(self.pos, self.active, self.active_rows)
            self.mission.fly(0, 0, 0, self.mission.start_heading)
            self.leadership = Leadership(p, self.network, self.rng, _Crew(self), leader=0)
        self.datacollector = Collector(REPORTERS)
        self.measurement.measure(self, force_graph=True)
        self.datacollector.collect(self)

    def _network(self) -> Network:
        p = self.params
        return Network(
            self.n,
            comm_range=p.comm_range,
            message_loss=p.message_loss,
            distance_loss=p.distance_loss,
            delay=p.comm_delay,
            rng=self.rng,
            box=self.arena_size if self.torus else None,
            max_links=p.max_links,
            reach=self.mode.neighbour_reach(),
            dense_max=self.mode.dense_max,
        )

    # ------------------------------------------------------------------ the step recipe
    def step(self) -> None:
        """Advance one step: faults → sense → network → leadership → move → mission → measure."""
        self._inject_faults()
        self.motion.sense(self)
        if self.leadership is not None:
            self.network.update(self.pos, self.active, self.active_rows)
            self.leadership.step(int(self.time))
        self.motion.move(self)
        self._advance_mission()
        self.measurement.measure(self)
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
        if p.dropout_rate > 0.0:
            pool = self.mode.dropout_pool(self)
            for row in faults.sample_dropouts(pool, p.dropout_rate, self.rng):
                self.drop_agent(int(self.ids[row]))

    def _advance_mission(self) -> None:
        """The mode moves the mission on; then the ways a mission fails."""
        mission, t, last = self.mission, self.time, self.params.max_steps
        if not mission.over:
            self.mode.advance(self)
        if not mission.over:
            if t >= last:
                mission.end("mission_failed", "out of time", t, self.leader)
            elif not len(self.active_rows):
                mission.end("mission_failed", "no agents left", t, self.leader)
            elif self.leadership and not self.leadership.protocol.can_recover(self.leadership):
                detail = "leaderless with no way to choose a new leader"
                mission.end("mission_failed", detail, t, self.leader)
        if mission.outcome == "mission_complete" or t >= last:
            self.running = False  # a failed mission runs on to max_steps (README, "Run length")

    # ------------------------------------------------------------------ public verbs
    def drop_agent(self, unique_id: int) -> None:
        """Make the agent with this unique_id drop out (it stops and never moves again).

        Args:
            unique_id: a whole number in [1, n_agents]: a Python or numpy integer, or an integral
                float (2.0). Booleans, strings and fractional numbers are not ids.

        Raises:
            ValueError: if `unique_id` is not such a number, naming it and the allowed range.
        """
        row = check_unique_id(unique_id, self.n) - 1
        if not self.active[row]:
            return
        self.active[row] = False
        self.active_rows = np.flatnonzero(self.active)
        self.vel[row] = 0.0
        was_leader = self.leadership is not None and self.leadership.drop(row, int(self.time))
        if self.leadership is None:  # leaderless modes: no leader, no followers
            role = self.mode.member_kind(row)
        else:
            role = "leader" if was_leader else "follower"
        self.log("dropout", row, role)
        self.handles[row].remove()
        if was_leader:
            self.measurement.leader_lost(self.time)

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
        self.log("blackout", -1, f"all messages lost for {count(steps, 'step')}")

    def lose_positioning(self) -> None:
        """Positioning fixes stop: every agent dead-reckons from now on (its error drifts)."""
        if self.motion.lose_positioning(self):
            drift = self.params.drift_noise
            self.log("positioning_lost", -1, f"dead reckoning, drift {drift} m/step")

    def add_waypoint(self, point) -> None:
        """Append a waypoint (x, y) in metres: only the leader learns of it, others by relay.

        A completed mission becomes open again.

        Raises:
            ValueError: if the point is not two finite numbers (booleans and text are not).
        """
        xy = check_point("waypoint", point)
        self.mission.add_waypoint(xy, self.leader)
        if not self.mission.over:
            self.running = True
        self.log("waypoint_added", self.leader, f"({xy[0]:.1f}, {xy[1]:.1f})")

    def change_param(self, name: str, value: Any) -> None:
        """Set a parameter that may change mid-run (`sim.midrun.LIVE_PARAMS`) from now on."""
        midrun.change_param(self, name, value)

    def run(self, steps: int | None = None) -> dict[str, Any]:
        """Step until success or max_steps (or `steps` more steps); return `summary()`.

        A failed mission runs on to max_steps, so time-based counts compare across protocols.
        """
        limit = self.params.max_steps if steps is None else int(self.time) + steps
        while self.running and self.time < limit:
            self.step()
        return self.summary()

    # ------------------------------------------------------------------ queries
    def summary(self) -> dict[str, Any]:
        """Run-level outcome (README, "Summary fields")."""
        return self.measurement.summary(self)

    def twin(self, **changes: Any) -> SwarmModel:
        """A new plain model (not run) with this one's parameters and seed and `changes` applied.

        Lessons compare a run with such a twin; it is a `SwarmModel` whatever subclass this is
        (the UI's live swarm needs a session to build).
        """
        return SwarmModel(**{**self.params.as_dict(), **changes}, rng=self.seed)

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
    def elections(self) -> list[tuple[int, int, int]]:
        """(time, unique_id, term) of every election won."""
        return self.leadership.elections if self.leadership is not None else []

    @property
    def election(self):
        """The election protocol in use (None in the leaderless modes)."""
        return self.leadership.protocol if self.leadership is not None else None

    @property
    def outcome(self) -> str | None:
        """How the mission ended: "mission_complete", "mission_failed", or None (running)."""
        return self.mission.outcome

    @property
    def mission_over(self) -> bool:
        """True once the mission has ended (complete or failed) or the run stopped.

        `running` stays True after a failure until max_steps; the UI stops at `mission_over`.
        """
        return self.mission.over or not self.running

    @property
    def route(self) -> np.ndarray:
        """The newest route (k, 2) of waypoints (m)."""
        return self.mission.route

    @property
    def waypoint_index(self) -> int:
        """Index of the next waypoint of the main leader (of the group, where nobody leads)."""
        return self.mode.waypoint_index(self)

    @property
    def heading(self) -> float:
        """The main leader's heading (rad); the start heading when there is none."""
        flight = self.mission.flights.get(self.leader)
        return flight.heading if flight else self.mission.start_heading

    @property
    def frame_heading(self) -> float:
        """The main leader's slot-frame heading (rad)."""
        flight = self.mission.flights.get(self.leader)
        return flight.frame_heading if flight else self.mission.start_heading

    @property
    def slot_of(self) -> np.ndarray:
        """Each row's slot in the main leader's formation (-1: none)."""
        return self.mode.slot_of(self)

    def slot_positions(self) -> np.ndarray:
        """World position (N, 2) of each row's slot around the main leader (own if none)."""
        out = self.pos.copy()
        slots = self.slot_of
        has = slots >= 0
        if has.any():
            out[has] = self.pos[self.leader] + rotate(
                self.mode.offsets[slots[has]], self.frame_heading
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

    def kept_together(self) -> np.ndarray:
        """Agents that travelled with the main leader's group for most of the run."""
        return self.measurement.kept_together()

    def message_counts(self) -> tuple[int, int]:
        """(sent, delivered) over every channel: one count per sender → receiver message."""
        return self.network.counts()

    def goal_direction(self) -> np.ndarray | None:
        """The direction the group should travel (unit (2,)), None where there is none."""
        return self.mode.goal_direction(self)

    def log(self, kind: str, row: int | None, detail: str = "") -> None:
        """Record an event (step as an int, kind, agent unique_id or -1, detail)."""
        uid = int(self.ids[row]) if row is not None and row >= 0 else -1
        self.events.append((int(self.time), kind, uid, detail))


def _reporter(name: str) -> property:
    return property(lambda model: model.measurement.values[name], doc=f"The {name} reporter.")


for _name in REPORTERS:  # model.n_leaders, model.order, ...: the reporters as attributes
    setattr(SwarmModel, _name, _reporter(_name))


class _Crew(Hooks):
    """How the leadership layer reaches the rest of the model (flights, slots, the event log)."""

    def __init__(self, model: SwarmModel) -> None:
        self.model = model

    def flight(self, row: int) -> tuple:
        """The leader's flight for its beacon: its own estimate, velocity, heading, progress."""
        m = self.model
        f = m.mission.flights[row]
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
            heading = knows.heading_of(serial) if serial >= 0 else m.mission.start_heading
        m.mission.fly(row, route, waypoint, heading)

    def stood_down(self, row: int) -> None:
        """A leader that stepped down or dropped out stops flying the route."""
        self.model.mission.land(row)

    def assign(self, row: int, members: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Slots for a leader's members, as the mode assigns them."""
        return self.model.mode.assign(self.model, row, members, old)

    def log(self, kind: str, row: int, detail: str) -> None:
        """Events go to the model's log."""
        self.model.log(kind, row, detail)

"""The model's measurements: per-step reporters, recovery tracking and the run summary.

A mixin of `SwarmModel`, kept apart so the model file reads as the step recipe. Definitions of
each metric are in `sim.metrics`; this module decides when to compute them and on which agents.

Cost control for large swarms: with more than `GRAPH_EVERY_N` active agents, the graph metrics
(largest_component, algebraic_connectivity) are refreshed every `GRAPH_PERIOD` steps and held in
between; λ₂ is exact up to `metrics.ALGEBRAIC_CONNECTIVITY_MAX_N` agents. The link graph itself is
rebuilt every step whenever messages need it (formation and flock modes); in the collective modes
(no messages) it is built only for those metrics, from a distance matrix up to
`DENSE_GRAPH_MAX_N` agents.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mesa
import numpy as np

from sim import formations, metrics
from sim.neighbours import close_pairs, min_distance, pair_vectors

GRAPH_EVERY_N = 100  # above this many active agents, graph metrics every GRAPH_PERIOD steps
GRAPH_PERIOD = 10  # steps
FEW = 24  # up to this many agents, order and cohesion are summed in plain floats
DENSE_GRAPH_MAX_N = 300  # collective modes: graph metrics from a distance matrix up to this size
RECOVERY_THRESHOLD = 0.25  # formation has recovered when its error is under this × spacing
TOGETHER_SHARE = 0.5  # a successful mission's agents were with the group this share of the time
TOGETHER_PERIOD = 10  # steps between samples of who travels with the group


@functools.cache
def _inf_diagonal(n: int) -> np.ndarray:
    """An n×n matrix of zeros with +inf on the diagonal (read-only, cached per size)."""
    out = np.zeros((n, n))
    np.fill_diagonal(out, np.inf)
    out.setflags(write=False)
    return out


class Collector(mesa.DataCollector):
    """Mesa's DataCollector for model reporters named by attribute, without its per-value copy.

    Mesa deep-copies every reported value each step, to protect mutable values; ours are plain
    numbers (the reporters are refreshed as floats and ints by `_measure`), so the copy only costs
    time. The first collection goes through Mesa's own path, which also validates the reporters.
    """

    def collect(self, model) -> None:
        """Append each reporter's current value (Mesa's own path on the first call)."""
        if not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for name, values in self._columns:
            values.append(getattr(model, name))

    @functools.cached_property
    def _columns(self) -> list[tuple[str, list]]:
        """(attribute name, list of values) per reporter; every reporter must be a name."""
        if not all(isinstance(r, str) for r in self.model_reporters.values()):
            raise TypeError("Collector takes attribute names as model reporters")
        return [(r, self.model_vars[var]) for var, r in self.model_reporters.items()]


class Measurements:
    """Reporters, recovery bookkeeping and `summary()` for SwarmModel."""

    def _setup_measurements(self) -> None:
        self._members_key: tuple[int, int] | None = None  # (slot table, n active) of _members
        self._graph_version = -1  # network links the graph metrics were computed on
        self._contacts: set[tuple[int, int]] = set()
        self._collisions = 0
        self._leaderless_steps = 0
        self._lost_at: float | None = None
        self._form_lost_at: float | None = None
        self._recoveries: list[float] = []
        self._formation_recoveries: list[float] = []
        self._formation_errors: list[float] = []
        self._together = np.zeros(self.n, dtype=np.int64)  # samples each agent was with the group
        self._samples = 0
        self._n_components = 1
        self._max_wp = 0
        self._collective_wp = 0
        self.completion_time: float | None = None
        self.outcome: str | None = None
        self.largest_component = 1.0
        self.algebraic_connectivity = math.nan
        self.min_separation = math.inf

    def _measure(self, force_graph: bool = False) -> None:
        act = self.active_rows
        n = len(act)
        pos, vel = self.pos[act], self.vel[act]
        self.n_active = n
        self.n_leaders = int(np.count_nonzero(self.is_leader))
        lead = self.leader
        self.leader_id = int(self.ids[lead]) if lead >= 0 else -1
        if n <= FEW:
            few = metrics.order_and_cohesion_few(pos.tolist(), vel.tolist())
            self.order, self.cohesion = few
        else:
            self.order = metrics.order(vel)
            self.cohesion = metrics.cohesion(pos)
        self.formation_error = self._formation_error(lead)
        periodic = force_graph or n <= GRAPH_EVERY_N or int(self.time) % GRAPH_PERIOD == 0
        self._measure_graph(act, pos, periodic)
        self.waypoints_reached = self._max_wp
        self.direction_error = self._direction_error(vel)
        if self.behaviour is None:
            if self.time > 0 and self.n_leaders == 0:
                self._leaderless_steps += 1
            if self.running and int(self.time) % TOGETHER_PERIOD == 0:
                self._note_together(lead)
            self._track_recovery(lead)

    def _measure_graph(self, act: np.ndarray, pos: np.ndarray, periodic: bool) -> None:
        """Graph metrics, closest pair and collisions at the end-of-step positions.

        The network's neighbour query made here (at every step in leader modes, where messages
        need links, and when the graph metrics are due in collective modes) is the one the next
        step starts from: nobody moves in between.
        """
        net = self.network
        fresh = self.behaviour is None or periodic
        if fresh:
            net.update(self.pos, self.active, act)
            if periodic and net.version != self._graph_version:
                self._graph_metrics(act)
                self._graph_version = net.version
        prox = net.prox if fresh else None
        self._measure_contacts(act, pos, prox)

    def _graph_metrics(self, act: np.ndarray) -> None:
        """largest_component and algebraic_connectivity of the current link graph."""
        net, n = self.network, len(act)
        if net.adj is not None:
            largest, lam2, n_comp = metrics.graph_metrics(net.adj)
        else:
            local = net.pairs if n == self.n else np.searchsorted(act, net.pairs)
            n_comp, labels = metrics.components(n, local)
            largest = float(np.bincount(labels).max() / n) if n else math.nan
            lam2 = metrics.algebraic_connectivity(n, local, n_comp)
        self.largest_component, self.algebraic_connectivity = largest, lam2
        self._note_components(n_comp)

    def _measure_contacts(self, act: np.ndarray, pos: np.ndarray, prox) -> None:
        """min_separation and collisions, from the neighbour query when it has them."""
        p = self.params
        box = self.arena_size if self.torus else None
        n = len(act)
        if prox is not None and prox.d2 is not None:
            masked = prox.d2 + _inf_diagonal(n)  # no agent is its own neighbour
            closest = float(masked.min()) if n > 1 else math.inf
            self.min_separation = math.sqrt(closest)
            if closest < p.collision_radius**2 or self._contacts:
                i, j = np.nonzero(masked < p.collision_radius**2)
                self._count_collisions(act[i[i < j]], act[j[i < j]])
            return
        reach = self._contact_reach()
        if prox is not None and prox.pairs is not None and reach <= self.network.reach:
            near = prox.dist < reach
            close, dist = np.compress(near, prox.pairs, axis=0), prox.dist[near]
        else:
            close = close_pairs(pos, reach, box)
            dist = np.hypot(*pair_vectors(pos, close, box).T)
        # Pairs within one spacing give the collisions and, when there are any, the closest
        # pair; only an all-spread-out swarm needs the nearest-neighbour query.
        self.min_separation = float(dist.min()) if len(close) else min_distance(pos, box)
        hit = np.compress(dist < p.collision_radius, close, axis=0)
        self._count_collisions(act[hit[:, 0]], act[hit[:, 1]])

    def _contact_reach(self) -> float:
        """Radius of the pair query for collisions and the closest pair.

        The usual neighbour distance: the slot spacing, or the repulsion zone in collective modes.
        """
        p = self.params
        usual = p.repulsion_radius if self.behaviour is not None else p.spacing
        return max(p.collision_radius, usual)

    def _note_components(self, n_comp: int) -> None:
        """Log partition / merge events when the link graph splits or heals."""
        if self.time > 0 and n_comp > self._n_components:
            self.log("partition", -1, f"the group split into {n_comp} parts")
        elif self.time > 0 and 0 < n_comp < self._n_components:
            self.log("merge", -1, f"parts rejoined: {n_comp} part(s) left")
        self._n_components = n_comp

    def _count_collisions(self, rows_a: np.ndarray, rows_b: np.ndarray) -> None:
        """Count pairs that came closer than the collision radius since the last step."""
        if not len(rows_a) and not self._contacts:
            return
        current = set(zip(rows_a.tolist(), rows_b.tolist(), strict=True))
        self._collisions += len(current - self._contacts)
        self._contacts = current

    def _formation_error(self, lead: int) -> float:
        """Mean distance of the main leader's members from their true slots (m)."""
        if self.params.coordination != "formation" or lead < 0:
            return math.nan
        # Members and their offsets change only with a new slot table or a dropout.
        key = (self.leadership.leaders[lead].slot_version, len(self.active_rows))
        if self._members_key != key:
            slots = self.slot_of
            members = np.flatnonzero((slots >= 0) & self.active)
            self._members, self._member_offsets = members, self.offsets[slots[members]]
            self._members_key = key
        if not len(self._members):
            return math.nan
        world = formations.rotate(self._member_offsets, self.frame_heading)
        err = metrics.formation_error(self.pos[self._members], self.pos[lead] + world)
        self._formation_errors.append(err)
        return err

    def with_group(self, lead: int) -> np.ndarray:
        """Agents travelling with leader `lead`: they follow it and are linked to it by relay."""
        return self.leadership.believers(lead) & self.network.reachable(lead)

    def kept_together(self) -> np.ndarray:
        """Agents that were with the main leader's group for TOGETHER_SHARE of the samples."""
        return self._together >= TOGETHER_SHARE * max(self._samples, 1)

    def _note_together(self, lead: int) -> None:
        """Sample who travels with the main leader's group (the mission's success needs it)."""
        self._samples += 1
        if lead >= 0:
            self._together += self.with_group(lead)

    def _track_recovery(self, lead: int) -> None:
        """Leader recovery: dropout → one leader followed by every agent it can reach."""
        t = self.time
        if self._lost_at is not None and lead >= 0 and self.n_leaders == 1:
            group = self.network.reachable(lead)
            if np.all(self.leadership.believers(lead)[group]):
                self._recoveries.append(t - self._lost_at)
                self.log(
                    "recovered",
                    lead,
                    f"all {int(group.sum())} agents follow it, "
                    f"{int(t - self._lost_at)} steps after the loss",
                )
                self._form_lost_at, self._lost_at = self._lost_at, None
        if self._form_lost_at is not None and self._lost_at is None:
            if self.formation_error < RECOVERY_THRESHOLD * self.params.spacing:
                self._formation_recoveries.append(t - self._form_lost_at)
                self._form_lost_at = None

    def _direction_error(self, vel: np.ndarray) -> float:
        if self.params.coordination != "couzin" or len(vel) == 0:
            return math.nan
        goal = self.goal_direction()
        mean = vel.mean(axis=0)
        if goal is None or not np.any(mean):
            return math.nan
        cos = np.dot(mean, goal) / np.hypot(*mean)
        return float(math.acos(max(-1.0, min(1.0, cos))))

    def summary(self) -> dict[str, Any]:
        """Run-level outcome (README, "Summary fields")."""
        fe, rec, frec = self._formation_errors, self._recoveries, self._formation_recoveries
        never = math.inf if self._lost_at is not None else math.nan
        frame = None
        if self.params.coordination == "couzin":
            frame = self.datacollector.get_model_vars_dataframe()["direction_error"]
        return {
            "mission_success": self.outcome == "mission_complete",
            "completion_time": self.completion_time
            if self.completion_time is not None
            else math.nan,
            "waypoints_reached": self.waypoints_reached,
            "leader_changes": self.leadership.changes if self.leadership else 0,
            "leaderless_steps": self._leaderless_steps,
            "max_recovery_steps": max(rec + [never])
            if rec or self._lost_at is not None
            else math.nan,
            "formation_recovery_steps": max(frec) if frec else math.nan,
            "spurious_elections": self.leadership.spurious if self.leadership else 0,
            "mean_formation_error": float(np.mean(fe)) if fe else math.nan,
            "collisions": self._collisions,
            "final_active": self.n_active,
            "mean_order": float(self.datacollector.get_model_vars_dataframe()["order"].mean()),
            "mean_direction_error": float(frame.mean()) if frame is not None else math.nan,
            # the group's heading error over the last tenth of the run (couzin)
            "final_direction_error": float(frame.iloc[-max(1, len(frame) // 10) :].mean())
            if frame is not None
            else math.nan,
            "messages_sent": self.message_counts()[0],
            "messages_delivered": self.message_counts()[1],
            "steps": int(self.time),
        }

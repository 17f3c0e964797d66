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

from sim import comms, formations, metrics
from sim.heartbeat import key_row, key_term
from sim.neighbours import (
    DENSE_MAX_N,
    close_pairs,
    dense_d2,
    min_distance,
    pair_vectors,
    pairs_and_distances,
)

GRAPH_EVERY_N = 100  # above this many active agents, graph metrics every GRAPH_PERIOD steps
GRAPH_PERIOD = 10  # steps
FEW = 24  # up to this many agents, order and cohesion are summed in plain floats
DENSE_GRAPH_MAX_N = 300  # collective modes: graph metrics from a distance matrix up to this size
RECOVERY_THRESHOLD = 0.25  # formation has recovered when its error is under this × spacing


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
        self._adj: np.ndarray | None = None  # last small-N adjacency (graph metrics cached on it)
        self._d2: np.ndarray | None = None  # last small-N squared-distance matrix ...
        self._d2_rows: np.ndarray | None = None  # ... and the rows it covers
        self._near: tuple | None = None  # large N: (rows, pairs, distances) within reach
        self._members_key: tuple[int, int] | None = None  # (slot table, n active) of _members
        self._contacts: set[tuple[int, int]] = set()
        self._collisions = 0
        self._leader_changes = 0
        self._spurious = 0
        self._leaderless_steps = 0
        self._lost_at: float | None = None
        self._form_lost_at: float | None = None
        self._recoveries: list[float] = []
        self._formation_recoveries: list[float] = []
        self._formation_errors: list[float] = []
        self._detected: set[tuple[int, int]] = set()
        self._n_components = 1
        self._max_wp = 0
        self._collective_wp = 0
        self.completion_time: float | None = None
        self.outcome: str | None = None
        self.largest_component = 1.0
        self.algebraic_connectivity = math.nan

    def _measure(self, force_graph: bool = False) -> None:
        act = self.active_rows
        n = len(act)
        box = self.arena_size if self.torus else None
        pos, vel = self.pos[act], self.vel[act]
        self.n_active = n
        self.n_leaders = int(np.count_nonzero(self.is_leader & self.active))
        lead = self.leader
        self.leader_id = int(self.ids[lead]) if lead >= 0 else -1
        if n <= FEW:
            few = metrics.order_and_cohesion_few(pos.tolist(), vel.tolist())
            self.order, self.cohesion = few
        else:
            self.order = metrics.order(vel)
            self.cohesion = metrics.cohesion(pos)
        self.formation_error = self._formation_error(lead)
        self._measure_graph(act, pos, box, force_graph)
        self.waypoints_reached = self._max_wp
        self.direction_error = self._direction_error(vel)
        if self.time > 0 and self.n_leaders == 0 and self.behaviour is None:
            self._leaderless_steps += 1
        self._track_recovery(lead)

    def _measure_graph(self, act, pos, box, force: bool) -> None:
        p = self.params
        n = len(act)
        self._d2_rows = None
        if n <= DENSE_MAX_N:
            d2 = dense_d2(pos, box)
            self._d2, self._d2_rows = d2, act
            masked = d2 + _inf_diagonal(n)  # no agent is its own neighbour
            adj = masked < p.comm_range**2
            old = self._adj
            if old is None or old.shape != adj.shape or (old != adj).any():
                self._dense_graph(act, adj)
                self._adj = adj
            closest = float(masked.min()) if n > 1 else math.nan
            self.min_separation = math.sqrt(closest)
            if closest < p.collision_radius**2 or self._contacts:
                i, j = np.nonzero(masked < p.collision_radius**2)
                self._count_collisions(act[i[i < j]], act[j[i < j]])
            return
        periodic = force or n <= GRAPH_EVERY_N or int(self.time) % GRAPH_PERIOD == 0
        if self.behaviour is not None and periodic and n <= DENSE_GRAPH_MAX_N:
            # Collective modes need the link graph only for these metrics: from a distance
            # matrix (one pass) rather than a pair query plus a sparse component search.
            adj = dense_d2(pos, box) < p.comm_range**2
            np.fill_diagonal(adj, False)
            self._dense_graph(act, adj)
            periodic = False
        if self.behaviour is None or periodic:
            # One neighbour query serves the links, the collisions and the next step's flock
            # and separation terms (nobody moves between this measurement and the next move).
            reach = max(p.comm_range, p.spacing, self.vision)
            pairs, dist, both = pairs_and_distances(pos, reach, box)
            self._near = (act, pairs, dist)
            whole = n == self.n  # nobody dropped out: indices into `act` are the rows themselves
            if reach == p.comm_range:  # every pair found is a link: reuse both directions
                self._links = pairs if whole else act.take(pairs)
                self._directed = both if whole else act.take(both)
            else:
                links = np.compress(dist < p.comm_range, pairs, axis=0)
                self._set_links(links if whole else act.take(links))
        else:
            self._near = None
        if periodic:
            # links as indices into `act` (the rows themselves while nobody has dropped out)
            local = self._links if n == self.n else np.searchsorted(act, self._links)
            n_comp, labels = metrics.components(n, local)
            self.largest_component = float(np.bincount(labels).max() / n)
            self.algebraic_connectivity = metrics.algebraic_connectivity(n, local, n_comp)
            self._note_components(n_comp)
        # Pairs within one spacing give both the collisions and, when there are any, the
        # closest pair; only an all-spread-out swarm needs the nearest-neighbour query.
        if self._near is not None:
            _, pairs, dist = self._near
            near = dist < self._contact_reach()
            close, dist = np.compress(near, pairs, axis=0), dist[near]
        else:
            close = close_pairs(pos, self._contact_reach(), box)
            dist = np.hypot(*pair_vectors(pos, close, box).T)
        self.min_separation = float(dist.min()) if len(close) else min_distance(pos, box)
        hit = np.compress(dist < p.collision_radius, close, axis=0)
        self._count_collisions(act[hit[:, 0]], act[hit[:, 1]])

    def _dense_graph(self, act: np.ndarray, adj: np.ndarray) -> None:
        """Graph metrics and links from a dense adjacency among the rows `act`."""
        self.largest_component, self.algebraic_connectivity, n_comp = metrics.graph_metrics(adj)
        i, j = np.nonzero(np.triu(adj))
        self._set_links(np.column_stack([act[i], act[j]]))
        self._note_components(n_comp)

    def _contact_reach(self) -> float:
        """Radius of the pair query for collisions and the closest pair.

        The usual neighbour distance: the slot spacing, or the repulsion zone in collective modes.
        """
        p = self.params
        usual = p.repulsion_radius if self.behaviour is not None else p.spacing
        return max(p.collision_radius, usual)

    def _set_links(self, links: np.ndarray) -> None:
        """Store the link graph (undirected pairs of rows) and both directions of each link."""
        self._links = links
        self._directed = comms.directed_links(links)

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
        key = (self.leaders[lead].slot_version, len(self.active_rows))
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

    def _track_recovery(self, lead: int) -> None:
        """Leader recovery: dropout → one leader acknowledged by every agent it can reach."""
        t = self.time
        if self._lost_at is not None and lead >= 0 and self.n_leaders == 1:
            group = self.reachable(lead)
            term = self.leaders[lead].term
            believe = (key_row(self.belief) == lead) & (key_term(self.belief) == term)
            if np.all(believe[group & (self.rows != lead)]):
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

    def message_counts(self) -> tuple[int, int]:
        """(sent, delivered) over every channel: one count per sender → receiver message."""
        channels = [self.heartbeats]
        if getattr(self.election, "channel", None) is not None:
            channels.append(self.election.channel)
        return sum(c.sent for c in channels), sum(c.delivered for c in channels)

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
            "leader_changes": self._leader_changes,
            "leaderless_steps": self._leaderless_steps,
            "max_recovery_steps": max(rec + [never])
            if rec or self._lost_at is not None
            else math.nan,
            "formation_recovery_steps": max(frec) if frec else math.nan,
            "spurious_elections": self._spurious,
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

"""Measurement: the per-step reporters, recovery and collision bookkeeping, and the run summary.

Read-only: it looks at the model after each step and changes nothing else — it keeps its own
counters, and logs outcome events (`recovered`, `partition`, `merge`). Definitions of the metrics
are in `sim.metrics`; this component decides when to compute them and on which agents; the
coordination mode adds its own reporters (`Mode.reporters`).

Cost control for large swarms: with more than `GRAPH_EVERY_N` active agents, the graph metrics
(largest_component, algebraic_connectivity) are refreshed every `GRAPH_PERIOD` steps (one more
step per `GRAPH_AGENTS_PER_STEP` agents beyond: every 100 steps at N = 10,000) and held in
between; λ₂ is exact up to `sim.sizes.EXACT_LAMBDA2_MAX_N` agents. The neighbour query at
the end of a step is the network's (`Network.update`): the next step starts where this one ended,
so the network reuses it for that step's links.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.neighbours import min_distance, pairs_with_distances
from sim.sizes import (
    GRAPH_AGENTS_PER_STEP,
    GRAPH_EVERY_N,
    GRAPH_PERIOD,
    PLAIN_FLOATS_MAX_N,
)
from sim.wording import count

STEP = "Step"  # the step column's one name: Mesa's batch_run and agent tables use it too
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
# The run-level summary (`Measurement.summary`), as batch_run's model columns (reporters excepted)
RUN_FIELDS = (
    "mission_success",
    "completion_time",
    "leader_changes",
    "leaderless_steps",
    "max_recovery_steps",
    "formation_recovery_steps",
    "spurious_elections",
    "mean_formation_error",
    "collisions",
    "final_active",
    "mean_order",
    "mean_direction_error",
    "final_direction_error",
    "messages_sent",
    "messages_delivered",
    "steps",
)
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


class Collector:
    """The reporters of every step, presented as Mesa's DataCollector presents them.

    `columns` (reporter → list of values) and `get_model_vars_dataframe()` are what Mesa's
    SolaraViz components and the project's tables read; `times` are the model times collected.
    `mesa.batch_run` reads `model_vars`: the reporters and the run-level summary (`RUN_FIELDS`,
    None before the last collected step), so its rows carry the outcome. It reads four more
    attributes of a DataCollector, provided under its names (no agent reporters).
    """

    agent_reporters: dict = {}
    agenttype_reporters: dict = {}

    def __init__(self, names: tuple[str, ...] = REPORTERS) -> None:
        self.columns: dict[str, list] = {name: [] for name in names}
        self.times: list[int] = []
        self._model = None
        self._outcome: tuple[int, dict] = (-1, {})
        self._agent_records: dict = {}  # for mesa.batch_run
        self._agenttype_records: dict = {}  # for mesa.batch_run

    @property
    def _collection_steps(self) -> list[float]:
        """The collection times, under the name `mesa.batch_run` reads."""
        return self.times

    @property
    def model_vars(self) -> dict[str, Any]:
        """Reporter columns, then the summary fields as columns set at the last step only."""
        return {**self.columns, **{name: _RunColumn(self, name) for name in RUN_FIELDS}}

    def outcome(self) -> dict[str, Any]:
        """The model's summary as of the last collection (computed once per collection)."""
        if self._outcome[0] != len(self.times):
            self._outcome = (len(self.times), self._model.summary())
        return self._outcome[1]

    def collect(self, model) -> None:
        """Append each reporter's current value."""
        self._model = model
        self.times.append(int(model.time))
        values = model.measurement.values
        for name, column in self.columns.items():
            column.append(values[name])

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collected step, one column per reporter; the index is the step (`STEP`).

        Mesa's DataCollector leaves the index unnamed; naming it gives the step column the one
        name it has in every table (``reset_index()``), and Mesa's plots read it either way.
        """
        return pd.DataFrame(self.columns, index=pd.Index(self.times, name=STEP))


class _RunColumn(Sequence):
    """A summary field as a collected column: None at every step but the last."""

    def __init__(self, collector: Collector, name: str) -> None:
        self.collector, self.name = collector, name

    def __len__(self) -> int:
        return len(self.collector.times)

    def __getitem__(self, i):
        n = len(self)
        if isinstance(i, slice):
            return [self[j] for j in range(n)[i]]
        if not -n <= i < n:
            raise IndexError(i)
        return self.collector.outcome()[self.name] if i % n == n - 1 else None


class Measurement:
    """Reporters, recovery bookkeeping and the summary of one run."""

    def __init__(self, n: int) -> None:
        self.values: dict[str, Any] = dict.fromkeys(REPORTERS, math.nan)
        self.values.update(largest_component=1.0, min_separation=math.inf)
        self._graph_version = -1  # network links the graph metrics were computed on
        self._n_components = 1
        self._contacts = np.zeros(0, dtype=np.int64)  # pairs in contact last step (sorted codes)
        self.collisions = 0
        self.leaderless_steps = 0
        self.lost_at: float | None = None  # when the leader was lost, until recovery
        self._form_lost_at: float | None = None
        self.recoveries: list[float] = []
        self.formation_recoveries: list[float] = []
        self.formation_errors: list[float] = []
        self._together = np.zeros(n, dtype=np.int64)  # samples each agent was with the group
        self._samples = 0

    def leader_lost(self, time: float) -> None:
        """The (main) leader dropped out now: recovery is timed from here."""
        if self.lost_at is None:
            self.lost_at = time

    # ------------------------------------------------------------------ each step
    def measure(self, model, force_graph: bool = False) -> None:
        """Refresh every reporter from the model as it is now."""
        act = model.active_rows
        n = len(act)
        t = model.time
        if n == len(model.pos):  # nobody has dropped out: the arrays themselves (read only)
            pos, vel = model.pos, model.vel
        else:
            pos, vel = model.pos[act], model.vel[act]
        v = self.values
        v["n_active"] = n
        # (the leaders' table holds exactly the active leaders: tests/test_liveness.py checks it)
        v["n_leaders"] = len(model.leadership.leaders) if model.leadership is not None else 0
        lead = model.leader
        v["leader_id"] = int(model.ids[lead]) if lead >= 0 else -1
        if n <= PLAIN_FLOATS_MAX_N:
            v["order"], v["cohesion"] = metrics.order_and_cohesion_few(pos.tolist(), vel.tolist())
        else:
            v["order"], v["cohesion"] = metrics.order(vel), metrics.cohesion(pos)
        own = model.mode.reporters(model)
        v["formation_error"] = own.get("formation_error", math.nan)
        v["direction_error"] = own.get("direction_error", math.nan)
        if math.isfinite(v["formation_error"]):
            self.formation_errors.append(v["formation_error"])
        period = max(GRAPH_PERIOD, n // GRAPH_AGENTS_PER_STEP)
        periodic = force_graph or n <= GRAPH_EVERY_N or int(t) % period == 0
        self._measure_graph(model, act, pos, periodic)
        v["waypoints_reached"] = model.mission.reached
        if model.leadership is not None:
            if t > 0 and v["n_leaders"] == 0:
                self.leaderless_steps += 1
            if not model.mission.over and int(t) % TOGETHER_PERIOD == 0:
                self._note_together(model, lead)
            self._track_recovery(model, lead, t)

    def _measure_graph(self, model, act: np.ndarray, pos: np.ndarray, periodic: bool) -> None:
        """Graph metrics, closest pair and collisions at the end-of-step positions.

        The neighbour query is made at every step where messages need links (leader modes),
        and when the graph metrics are due elsewhere.
        """
        net = model.network
        fresh = model.leadership is not None or periodic
        if fresh:
            net.update(model.pos, model.active, act)
            if periodic and net.version != self._graph_version:
                self._graph_metrics(model, act)
                self._graph_version = net.version
        self._measure_contacts(model, act, pos, net.prox if fresh else None)

    def _graph_metrics(self, model, act: np.ndarray) -> None:
        """largest_component and algebraic_connectivity of the current link graph."""
        net, n = model.network, len(act)
        if net.adj is not None:
            largest, lam2, n_comp = metrics.graph_metrics(net.adj)
        else:
            whole = n == model.n  # nobody dropped out: the network's labels serve (cached)
            local = net.pairs if whole else np.searchsorted(act, net.pairs)
            if whole:  # (`with_group` asks for the same labels in this step)
                labels = net.labels()
                n_comp = int(np.maximum.reduce(labels)) + 1
            else:
                n_comp, labels = metrics.components(n, local)
            largest = float(np.bincount(labels).max() / n) if n else math.nan
            lam2 = metrics.algebraic_connectivity(n, local, n_comp)
        self.values["largest_component"], self.values["algebraic_connectivity"] = largest, lam2
        if model.time > 0 and n_comp > self._n_components:
            model.log("partition", -1, f"the group split into {count(n_comp, 'part')}")
        elif model.time > 0 and 0 < n_comp < self._n_components:
            model.log("merge", -1, f"parts rejoined: {count(n_comp, 'part')} left")
        self._n_components = n_comp

    def _measure_contacts(self, model, act: np.ndarray, pos: np.ndarray, prox) -> None:
        """min_separation and collisions, from the neighbour query when it has them."""
        p = model.params
        box = model.arena_size if model.torus else None
        n = len(act)
        if prox is not None and prox.d2 is not None:
            masked = prox.d2 + _inf_diagonal(n)  # no agent is its own neighbour
            closest = float(np.minimum.reduce(masked, axis=None)) if n > 1 else math.inf
            self.values["min_separation"] = math.sqrt(closest)
            if closest < p.collision_radius**2 or len(self._contacts):
                i, j = np.nonzero(masked < p.collision_radius**2)
                self._count_collisions(act[i[i < j]], act[j[i < j]])
            return
        reach = max(p.collision_radius, model.mode.contact_distance())
        if prox is not None and prox.pairs is not None and reach <= model.network.reach:
            close, dist = prox.within(reach)  # (kept: the next step's braking starts from them)
        else:
            close, dist = pairs_with_distances(pos, reach, box)
        # Pairs within one spacing give the collisions and, when there are any, the closest
        # pair; only an all-spread-out swarm needs the nearest-neighbour query.
        self.values["min_separation"] = float(dist.min()) if len(close) else min_distance(pos, box)
        hit = np.compress(dist < p.collision_radius, close, axis=0)
        self._count_collisions(act[hit[:, 0]], act[hit[:, 1]])

    def _count_collisions(self, rows_a: np.ndarray, rows_b: np.ndarray) -> None:
        """Count pairs that came closer than the collision radius since the last step."""
        if not len(rows_a) and not len(self._contacts):
            return
        lo, hi = np.minimum(rows_a, rows_b), np.maximum(rows_a, rows_b)
        current = np.sort(lo.astype(np.int64) * len(self._together) + hi)  # each pair once
        before = self._contacts
        if len(before):
            at = np.minimum(np.searchsorted(before, current), len(before) - 1)
            self.collisions += int(np.count_nonzero(before[at] != current))
        else:
            self.collisions += len(current)
        self._contacts = current

    # ------------------------------------------------------------------ travelling together
    def with_group(self, model, lead: int) -> np.ndarray:
        """Agents travelling with leader `lead`: they follow it and are linked to it by relay."""
        return model.leadership.believers(lead) & model.network.reachable(lead)

    def kept_together(self) -> np.ndarray:
        """Agents that were with the main leader's group for TOGETHER_SHARE of the samples."""
        return self._together >= TOGETHER_SHARE * max(self._samples, 1)

    def _note_together(self, model, lead: int) -> None:
        """Sample who travels with the main leader's group (the mission's success needs it)."""
        self._samples += 1
        if lead >= 0:
            self._together += self.with_group(model, lead)

    def _track_recovery(self, model, lead: int, t: float) -> None:
        """Leader recovery: dropout → one leader followed by every agent it can reach."""
        if self.lost_at is not None and lead >= 0 and self.values["n_leaders"] == 1:
            group = model.network.reachable(lead)
            if np.all(model.leadership.believers(lead)[group]):
                self.recoveries.append(int(t - self.lost_at))
                model.log(
                    "recovered",
                    lead,
                    f"all {count(int(group.sum()), 'agent')} follow it, "
                    f"{count(int(t - self.lost_at), 'step')} after the loss",
                )
                self._form_lost_at, self.lost_at = self.lost_at, None
        if self._form_lost_at is not None and self.lost_at is None:
            spacing = model.params.spacing
            if self.values["formation_error"] < RECOVERY_THRESHOLD * spacing:
                self.formation_recoveries.append(int(t - self._form_lost_at))
                self._form_lost_at = None

    # ------------------------------------------------------------------ the run
    def summary(self, model) -> dict[str, Any]:
        """Run-level outcome (README, "Summary fields")."""
        fe, rec, frec = self.formation_errors, self.recoveries, self.formation_recoveries
        if self.lost_at is not None:  # a loss not recovered from by the end
            rec = rec + [math.inf]
        frame = model.datacollector.get_model_vars_dataframe()
        heading = frame["direction_error"]
        lead = model.leadership
        mission = model.mission
        sent, delivered = model.network.counts()
        return {
            "mission_success": mission.outcome == "mission_complete",
            "completion_time": math.nan
            if mission.completion_time is None
            else int(mission.completion_time),
            "waypoints_reached": self.values["waypoints_reached"],
            "leader_changes": lead.changes if lead else 0,
            "leaderless_steps": self.leaderless_steps,
            "max_recovery_steps": max(rec) if rec else math.nan,
            "formation_recovery_steps": max(frec) if frec else math.nan,
            "spurious_elections": lead.spurious if lead else 0,
            "mean_formation_error": float(np.mean(fe)) if fe else math.nan,
            "collisions": self.collisions,
            "final_active": self.values["n_active"],
            "mean_order": float(frame["order"].mean()),
            "mean_direction_error": float(heading.mean()),
            # the group's heading error over the last tenth of the run (couzin)
            "final_direction_error": float(heading.iloc[-max(1, len(heading) // 10) :].mean()),
            "messages_sent": sent,
            "messages_delivered": delivered,
            "steps": int(model.time),
        }

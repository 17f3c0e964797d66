"""Many seeds at once: swarm A and swarm B (A with one setting changed), run on the same seeds.

One run is an anecdote: the leader dropped out and a follower took over in 30 steps, on this
seed. Run the same two settings on 20–50 seeds and the spread shows whether B really differs
from A. The runs are *paired*: seed s runs A and then B, so both start from the same positions
and draw the same random numbers until their settings part ways; a difference between them is
the setting's, not the luck of the draw.

Each run is a sweep's `sim.research.experiment.Run` (its id from the resolved parameters and the
seed) executed by the sweep's own `sim.research.sweep.execute_run`, so a row here is the row a
sweep gives the same settings and seed, and equals ``SwarmModel(**params, rng=seed).run()``.
`PairedBatch.run` blocks (call it in a thread): it hands the runs to worker processes, reports
progress after each one and stops early when cancelled. Worker processes, not threads: a run
holds the GIL for most of its time, so a run in a thread of the UI's server makes the page wait.
Measured on the 2-core development machine (already loaded ~12–18): Play ran at 40 steps/s
alone, 19 steps/s during a batch in one worker process, 16 during a batch in a server thread;
a worker process takes seconds to start (``sim.model`` imported once, in the forkserver).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim import __version__
from sim.params import SwarmParams, field_names
from sim.research.executors import THREAD_VARS, SerialExecutor
from sim.research.experiment import Run, settings_run_id
from sim.research.sweep import execute_run
from sim.research.tables import cell

MIN_SEEDS, MAX_SEEDS = 20, 50  # the UI's range: fewer seeds is an anecdote, more keeps it waiting
DEFAULT_SEEDS = 30
FIRST_COLUMNS = ("setting", "label", "seed", "run_id", "status")


def check_count(value: Any, lo: int = MIN_SEEDS, hi: int = MAX_SEEDS) -> int:
    """The number of seeds typed, checked.

    Raises:
        ValueError: naming the number of seeds and its allowed range.
    """
    try:
        n = int(str(value).strip())
    except ValueError:
        n = None
    if n is None or not lo <= n <= hi:
        raise ValueError(f"number of seeds must be a whole number in [{lo}, {hi}]; got {value!r}")
    return n


@dataclass(frozen=True)
class Plan:
    """What to run: the resolved settings of A (and B), their labels, and the seeds.

    Attributes:
        settings: "A" (and "B") -> every `SwarmParams` field, resolved.
        labels: "A" (and "B") -> a label such as "B: election=none" ("A" alone without B).
        seeds: the seeds, each run with every setting.
    """

    settings: dict[str, dict[str, Any]]
    labels: dict[str, str]
    seeds: tuple[int, ...]

    def runs(self) -> list[tuple[str, Run]]:
        """(setting, run) in pairs: seed by seed, A then B."""
        out = []
        for seed in self.seeds:
            for name, params in self.settings.items():
                out.append((name, Run(len(out), params, seed, settings_run_id(params, seed))))
        return out


def make_plan(
    params: dict[str, Any], compare: tuple[str, Any] | None, first: int, count: int
) -> Plan:
    """A plan for seeds first .. first + count - 1: A = `params`, B = A with `compare` applied.

    The settings are resolved (and copied) now, so changing them later does not touch the plan.

    Raises:
        ValueError: for bad parameters (naming the field), or count < 1.
    """
    if count < 1:
        raise ValueError(f"number of seeds must be at least 1; got {count}")
    a = SwarmParams.build(**params).as_dict()
    settings = {"A": a}
    labels = {"A": "A"}
    if compare is not None:
        field, value = compare
        b = SwarmParams.build(**{**params, field: value}).as_dict()
        settings["B"] = b
        labels = {"A": f"A: {field}={a[field]}", "B": f"B: {field}={b[field]}"}
    return Plan(settings, labels, tuple(range(int(first), int(first) + int(count))))


def default_workers() -> int:
    """Worker processes for a batch: every core but one (for the page), at least one, at most 4."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def open_pool(workers: int) -> Executor:
    """`workers` processes (started by forkserver, the model preloaded), or 0: this thread."""
    if workers <= 0:
        return SerialExecutor()
    for var in THREAD_VARS:  # one BLAS thread per worker process: they share the cores
        os.environ.setdefault(var, "1")
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["sim.model", "sim.research.sweep"])  # warm workers
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


class PairedBatch:
    """Runs a `Plan` in worker processes, with progress and cancel; collects one row per run.

    `run` blocks; `cancel`, `done` and `total` may be used from any thread meanwhile.
    """

    def __init__(self, plan: Plan, workers: int | None = None) -> None:
        self.plan = plan
        self.workers = default_workers() if workers is None else int(workers)
        self.total = len(plan.settings) * len(plan.seeds)
        self.done = 0
        self.rows: list[dict[str, Any]] = []
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel` was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop: no further run starts; `run` returns the rows finished so far."""
        self._cancel.set()

    def run(self, on_progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
        """Execute the plan (or what is left of it when cancelled); return `table` of the rows.

        `on_progress(done, total)` is called after each finished run (in this thread).
        """
        pool = open_pool(self.workers)
        limit = max(1, self.workers)  # in flight: one per worker, so cancel takes effect soon
        pending: dict[Future, tuple[str, Run]] = {}
        todo = iter(self.plan.runs())
        try:
            while not self.cancelled:
                for name, run in todo:
                    pending[pool.submit(execute_run, run)] = (name, run)
                    if len(pending) >= limit:
                        break
                if not pending:
                    break
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    if self.cancelled:
                        break
                    name, run = pending.pop(future)
                    self.rows.append(self._row(name, run, future.result()))
                    self.done += 1
                    if on_progress is not None:
                        on_progress(self.done, self.total)
        finally:  # cancelled: drop what has not started; a run under way ends on its own
            pool.shutdown(wait=False, cancel_futures=True)
        return table(self.rows)

    def _row(self, name: str, run: Run, result: dict[str, Any]) -> dict[str, Any]:
        """One table row: setting, label, seed, id, status, summary, parameters, version."""
        row = {
            "setting": name,
            "label": self.plan.labels[name],
            "seed": run.seed,
            "run_id": run.run_id,
            "status": result["status"],
            **result["summary"],
        }
        row.update({k: cell(v) for k, v in run.params.items()})
        return {**row, "error": result.get("error", ""), "version": __version__}


def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a table, in plan order (seed, then A before B): the CSV the UI offers."""
    if not rows:
        return pd.DataFrame(columns=[*FIRST_COLUMNS, *field_names(), "error", "version"])
    df = pd.DataFrame(rows)
    return df.sort_values(["seed", "setting"], kind="stable", ignore_index=True)

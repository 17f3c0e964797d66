"""Sweeps: an experiment's runs → an executor → results written as each run finishes.

Each run (`sim.research.experiment.Run`) has an id derived from its resolved parameters and
seed, and a given id gives the same row in any process: all randomness comes from the seeded
model. `run_sweep` submits the runs not yet in the results folder to an executor
(`sim.research.executors`), at most a few per worker at a time so memory stays flat however many
runs a sweep has, and records each result as it arrives (`sim.research.results`); a worker never
raises, a failed run is recorded with its traceback. ``--resume`` skips the ids already written.
Each row records the hash of the `sim` sources its worker ran (``source``); rows from other
sources than the client's, already written or arriving, are refused unless ``--allow-mixed``.
With adaptive seeds (``seeds = { until_ci = ... }``) the runs go in rounds, each round waiting for
the last (`sim.research.adaptive`).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from datetime import UTC, datetime
from math import nan
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim import __version__, simd
from sim.model import SwarmModel
from sim.research.adaptive import (
    CELLS_FILE,
    metric_value,
    plan_order,
    recorded_values,
    run_rounds,
    summary_line,
    write_cells,
)
from sim.research.executors import check_executor, check_workers, open_executor
from sim.research.experiment import Experiment, Run, load_experiment
from sim.research.plan import dry_run_command
from sim.research.provenance import (
    add_session,
    check_sources,
    end_session,
    short_hash,
    simd_notice,
    source_hash,
)
from sim.research.results import ERRORS_FILE, SUMMARY_FILE, UNKNOWN, Results, columns
from sim.research.tables import step_table

IN_FLIGHT_PER_WORKER = 4  # submissions queued per worker: keeps workers busy, memory bounded


# ---------------------------------------------------------------------- one run (in a worker)
def execute_run(run: Run, timeseries: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one simulation; never raises (a failure is returned with its traceback).

    The result names the `sim` sources of the process that ran it (``source``).
    """
    source = short_hash()
    try:
        model = SwarmModel(**run.params, rng=run.seed)
        summary = {k: _plain(v) for k, v in model.run().items()}
        series = None  # the [timeseries] table; its attrs (the file's metadata) name the run
        if timeseries:
            cols, every = timeseries["columns"], timeseries["every"]
            series = step_table(model, cols, every, run_id=run.run_id, source=source)
        ok = {"run_id": run.run_id, "status": "ok", "summary": summary, "series": series}
        return {**ok, "source": source}
    except Exception as exc:  # noqa: BLE001 - any model error is recorded, the sweep goes on
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        return {
            "run_id": run.run_id,
            "status": "failed",
            "summary": {},
            "error": error,
            "traceback": traceback.format_exc(),
            "source": source,
        }


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python scalars (so a value prints the same in every process)."""
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------------- the sweep
def drive(
    executor: Executor,
    runs: Iterable[Run],
    timeseries: dict | None,
    limit: int,
    on_result: Callable[[Run, dict], None],
) -> None:
    """Submit runs with at most `limit` in flight; hand each result over as it arrives."""
    pending: dict[Future, Run] = {}

    def collect() -> None:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:  # a worker crash (BrokenProcessPool) stops the sweep: --resume
            on_result(pending.pop(future), future.result())

    for run in runs:
        pending[executor.submit(execute_run, run, timeseries)] = run
        if len(pending) >= limit:
            collect()
    while pending:
        collect()


def run_sweep(
    exp: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    resume: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    progress: bool = True,
    source: str = "",
    allow_mixed: bool = False,
) -> dict[str, Any]:
    """Run every unfinished run of `exp`, writing results into `out` as they finish.

    `allow_mixed` accepts rows computed on other `sim` sources than this process's (already in
    `out`, or from workers running other code), with a notice on stderr.

    Returns:
        ``{"total", "skipped", "ran", "failed", "seconds", "out"}``, and with adaptive seeds
        ``"adaptive"``: a line saying where the cells stopped (``cells.csv`` has each reason).

    Raises:
        ValueError: when `out` already holds results (without `resume`) or other ones; for
            workers outside [1, `max_workers()`], a scheduler without the Dask executor, or a
            scheduler that does not answer within `SCHEDULER_TIMEOUT` seconds; for rows from
            other `sim` sources without `allow_mixed`.
    """
    out = Path(out)
    workers = check_workers(workers)
    check_executor(executor, scheduler)
    with open_executor(executor, workers, scheduler) as pool:  # an unreachable cluster: no files
        return _sweep(exp, out, pool, workers, resume, executor, progress, source, allow_mixed)


def _sweep(
    exp: Experiment,
    out: Path,
    pool: Executor,
    workers: int,
    resume: bool,
    executor: str,
    progress: bool,
    source: str,
    allow_mixed: bool,
) -> dict[str, Any]:
    """`run_sweep` on an open executor: record the runs of `exp` not yet in `out`."""
    results = Results(out, columns(), resume)
    here = short_hash()
    try:
        _notice(
            check_sources(results.sources, here, allow_mixed, f"{out / SUMMARY_FILE} holds rows")
        )
    except ValueError:
        results.close()
        raise
    session = {
        "started": _now(),
        "resume": resume,
        "workers": workers,
        "executor": executor,
        "argv": sys.argv,
        "source_sha256": source_hash(),
        "numpy_simd": list(simd.targets()),
        "allow_mixed": allow_mixed,
    }
    _notice(simd_notice(out))
    add_session(out, exp, source, session)
    order = {run.run_id: run.index for run in exp.runs()}  # adaptive: round 0 until the end
    done_before = set(results.done)
    bar = progress_bar(len(order), len(set(order) & done_before), exp.name, progress)
    start = time.perf_counter()
    accepted = {here, *results.sources}
    rule = exp.adaptive
    values = recorded_values(out, rule.metric) if rule else {}

    def on_result(run: Run, result: dict[str, Any]) -> None:
        found = result.get("source") or UNKNOWN  # a worker too old to say
        if found not in accepted:  # a worker on other sources: refused, or said once
            _notice(check_sources({found}, here, allow_mixed, f"run {run.run_id} was"))
            accepted.add(found)
        results.record(run, result, __version__)
        if rule:  # failed: NaN, as `recorded_values` reads it back on --resume
            ok = result["status"] == "ok"
            values[run.run_id] = metric_value(result["summary"].get(rule.metric)) if ok else nan
        bar.update(1)
        if results.failed:
            bar.set_postfix(failed=results.failed, refresh=False)

    def execute(runs: Iterable[Run]) -> None:
        drive(pool, runs, exp.timeseries, IN_FLIGHT_PER_WORKER * workers, on_result)

    def execute_round(runs: list[Run]) -> None:
        bar.total = max(bar.total, bar.n + len(runs))  # each round adds its runs
        execute(runs)

    finished = False
    try:
        if rule:
            outcomes = run_rounds(exp, values, execute_round)
        else:
            execute(run for run in _unique(exp.runs()) if run.run_id not in done_before)
        finished = True
    finally:
        bar.close()
        results.close()
        end_session(out, ended=_now(), finished=finished)
    report = {}
    if rule:
        order = plan_order(outcomes, len(exp.grid))
        write_cells(out, outcomes, rule)
        report["adaptive"] = summary_line(outcomes, rule)
    results.finalize(order)
    skipped = len(set(order) & done_before)
    return {
        "total": len(order),
        "skipped": skipped,
        "ran": len(order) - skipped,
        "failed": results.failed,
        "seconds": time.perf_counter() - start,
        "out": str(out),
        **report,
    }


def _now() -> str:
    """The current UTC time, to the second, in ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def progress_bar(total: int, initial: int, desc: str, enabled: bool) -> Any:
    """A tqdm bar on a terminal; in a log (stderr not a TTY) a line every ~10 %."""
    if enabled and sys.stderr.isatty():
        return tqdm(
            total=total,
            initial=initial,
            desc=desc,
            unit="run",
            mininterval=0.5,
            dynamic_ncols=True,
            file=sys.stderr,
        )
    return LineProgress(total, initial, desc, enabled)


class LineProgress:
    """Progress for logs: one plain line each time another tenth of the runs is done."""

    def __init__(self, total: int, initial: int, desc: str, enabled: bool = True) -> None:
        self.n, self.desc, self.enabled = initial, desc, enabled
        self.failed = 0
        self.total = total

    @property
    def total(self) -> int:
        """The runs planned so far (adaptive seeds add each round's runs)."""
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value
        self.shown = self._tenths()  # count tenths of the new total from here

    def _tenths(self) -> int:
        return self.n * 10 // self.total if self.total else 10

    def update(self, k: int = 1) -> None:
        """Count `k` finished runs; print a line when a new tenth is reached."""
        self.n += k
        if self._tenths() > self.shown:
            self.shown = self._tenths()
            failed = f", {self.failed} failed" if self.failed else ""
            line = (
                f"{self.desc}: {self.n}/{self.total} runs ({100 * self.n // self.total}%{failed})"
            )
            if self.enabled:
                print(line, file=sys.stderr, flush=True)

    def set_postfix(self, failed: int = 0, refresh: bool = False) -> None:
        """Note the number of failed runs (shown in the next line)."""
        self.failed = failed

    def close(self) -> None:
        """Nothing to release (tqdm's interface)."""


def _notice(line: str | None) -> None:
    """Print a notice (e.g. from --allow-mixed) on stderr, if any."""
    if line:
        print(f"swarm-sim sweep: {line}", file=sys.stderr)


def _unique(runs: Iterable[Run]) -> Iterator[Run]:
    """Skip a run whose id was already planned (two grid points resolving to one setting)."""
    seen: set[str] = set()
    for run in runs:
        if run.run_id not in seen:
            seen.add(run.run_id)
            yield run


def sweep_command(args) -> int:
    """``swarm-sim sweep FILE``: run an experiment file; 1 if any run failed, else 0."""
    if getattr(args, "dry_run", False):  # the plan and its estimated time; nothing runs
        return dry_run_command(args)
    exp = load_experiment(args.file)
    out = args.out or str(Path("results") / exp.name)
    report = run_sweep(
        exp,
        out,
        workers=args.workers,
        resume=args.resume,
        executor=args.executor,
        scheduler=args.scheduler,
        source=str(args.file),
        allow_mixed=args.allow_mixed,
    )
    print(
        f"{exp.name}: {report['ran']} runs in {report['seconds']:.1f} s "
        f"({report['skipped']} already done, {report['failed']} failed) → "
        f"{Path(out) / SUMMARY_FILE}"
    )
    if "adaptive" in report:  # why each cell has the seeds it has
        print(f"{report['adaptive']} → {Path(out) / CELLS_FILE}")
    if report["failed"]:
        print(f"tracebacks of the failed runs: {Path(out) / ERRORS_FILE}", file=sys.stderr)
        return 1
    return 0

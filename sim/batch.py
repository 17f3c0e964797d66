"""Batch sweeps: an experiment's runs → an executor → results written as each run finishes.

Each run (`sim.experiment.Run`) has an id derived from its resolved parameters and seed, and a
given id gives the same row in any process. Results go to ``OUT/summary.csv`` one line per
finished run, flushed at once, so a sweep killed at any moment loses at most the runs in flight;
``--resume`` drops a torn last line and skips the ids already written. When every run is done the
table is rewritten (atomically) in plan order, so a complete sweep's table is the same whatever
the number of workers, the executor, or how often it was interrupted.

Executors: in-process for one worker, a process pool (forkserver/spawn) for several, or a Dask
cluster (``distributed.Client(...).get_executor()``). Submissions in flight are bounded, so memory
stays flat however many runs a sweep has.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.experiment import Experiment, Run, load_experiment
from sim.params import field_names

SUMMARY_FILE = "summary.csv"
PROVENANCE_FILE = "provenance.json"
ERRORS_FILE = "errors.log"
SERIES_DIR = "timeseries"
IN_FLIGHT_PER_WORKER = 4  # submissions queued per worker: keeps workers busy, memory bounded
STATUS_COLUMNS = ("status", "error", "run_id", "version")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PACKAGES = ("mesa", "numpy", "scipy", "pandas", "matplotlib", "tqdm", "pyarrow", "dask",
            "distributed")  # fmt: skip


# ---------------------------------------------------------------------- one run (in a worker)
def execute_run(run: Run, timeseries: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one simulation; never raises (a failure is returned with its traceback)."""
    from sim.model import SwarmModel

    try:
        model = SwarmModel(**run.params, rng=run.seed)
        summary = {k: _plain(v) for k, v in model.run().items()}
        series = _series(model, run.run_id, timeseries) if timeseries else None
        return {"run_id": run.run_id, "status": "ok", "summary": summary, "series": series}
    except Exception as exc:  # noqa: BLE001 - any model error is recorded, the sweep goes on
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        return {"run_id": run.run_id, "status": "failed", "summary": {}, "error": error,
                "traceback": traceback.format_exc()}  # fmt: skip


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python scalars (so a value prints the same in every process)."""
    return value.item() if hasattr(value, "item") else value


def _series(model, run_id: str, spec: dict[str, Any]) -> dict[str, list]:
    """The requested time-series columns, every `spec["every"]` steps, as plain lists."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(names="time")
    df = df[df["time"].astype(int) % spec["every"] == 0]
    out = {"run_id": [run_id] * len(df), "time": df["time"].astype(int).tolist()}
    for col in spec["columns"]:
        out[col] = [_plain(v) for v in df[col].tolist()]
    return out


def summary_fields() -> list[str]:
    """Names of the `SwarmModel.summary()` fields (from a one-step, two-agent model)."""
    from sim.model import SwarmModel

    return list(SwarmModel(n_agents=2, max_steps=1, rng=0).summary())


def columns() -> list[str]:
    """Columns of ``summary.csv``: every parameter, the seed, every summary field, status, id."""
    return [*field_names(), "seed", *summary_fields(), *STATUS_COLUMNS]


# ---------------------------------------------------------------------- the results folder
class Results:
    """The results folder of one sweep: summary table, error log, time series, provenance."""

    def __init__(self, out: Path, cols: list[str], resume: bool) -> None:
        self.out = Path(out)
        self.cols = cols
        self.path = self.out / SUMMARY_FILE
        if self.path.exists() and not resume:
            raise ValueError(f"{self.path} exists; pass --resume to continue it or choose --out")
        self.out.mkdir(parents=True, exist_ok=True)
        self.done = self._recover() if self.path.exists() else set()
        fresh = not self.path.exists()
        self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        if fresh:
            self._write_line(cols)
        self.failed = 0

    def _recover(self) -> set[str]:
        """Drop a torn last line left by a kill; return the ids of the finished runs."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
        with open(self.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                self.path.unlink()
                return set()
            if header != self.cols:
                raise ValueError(
                    f"{self.path} has other columns than this version writes; use a new --out"
                )
            where = header.index("run_id")
            return {row[where] for row in reader}

    def _write_line(self, values: list[Any]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        self._file.write(buf.getvalue())  # one line per write: a kill can tear at most this line
        self._file.flush()

    def record(self, run: Run, result: dict[str, Any], version: str) -> None:
        """Write one finished run (time series and error log first, the summary row last)."""
        if result["status"] != "ok":
            self.failed += 1
            with open(self.out / ERRORS_FILE, "a", encoding="utf-8") as f:
                f.write(f"=== run {run.run_id} seed={run.seed} params={json.dumps(run.params)}\n")
                f.write(result["traceback"] + "\n")
        if result.get("series"):
            _write_parquet(result["series"], self.out / SERIES_DIR / f"{run.run_id}.parquet")
        row = {k: _cell(v) for k, v in run.params.items()}
        row.update(seed=run.seed, **result["summary"], status=result["status"])
        row.update(error=result.get("error", ""), run_id=run.run_id, version=version)
        unknown = set(row) - set(self.cols)
        if unknown:
            raise ValueError(f"run returned fields missing from the table: {sorted(unknown)}")
        self._write_line([row.get(c, "") for c in self.cols])
        self.done.add(run.run_id)

    def close(self) -> None:
        """Close the table file."""
        self._file.close()

    def finalize(self, order: dict[str, int]) -> None:
        """Rewrite the table in plan order (atomically), keeping one row per run id."""
        with open(self.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            where = header.index("run_id")
            rows = {}
            for row in reader:
                rows.setdefault(row[where], row)
        ordered = sorted(rows.values(), key=lambda r: order.get(r[where], math.inf))
        tmp = self.path.with_suffix(".csv.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(ordered)
        os.replace(tmp, self.path)


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (list, tuple, dict)) else value


def _write_parquet(series: dict[str, list], path: Path) -> None:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pd.DataFrame(series).to_parquet(tmp, index=False)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- provenance
def provenance(exp: Experiment, source: str) -> dict[str, Any]:
    """What produced these results: the experiment, package versions, git commit."""
    from importlib.metadata import PackageNotFoundError, version

    import sim

    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "experiment": _experiment_dict(exp),
        "experiment_file": source,
        "experiment_text": exp.text,
        "sim_version": sim.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
        "git": _git_state(),
        "columns": {"params": list(field_names()), "summary": summary_fields()},
        "sessions": [],
    }


def _experiment_dict(exp: Experiment) -> dict[str, Any]:
    return {"name": exp.name, "description": exp.description, "steps": exp.steps,
            "seeds": list(exp.seeds), "params": exp.params, "sweep": exp.sweep,
            "timeseries": exp.timeseries}  # fmt: skip


def _git_state() -> dict[str, Any] | None:
    """The source tree's commit and whether it has uncommitted changes (None outside git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uno"],
                                capture_output=True, text=True, timeout=10).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def source_hash() -> str:
    """SHA-256 of the package's Python sources: tells apart sessions run on different code."""
    import hashlib

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _write_provenance(out: Path, exp: Experiment, source: str, session: dict[str, Any]) -> None:
    path = out / PROVENANCE_FILE
    if path.exists():
        prov = json.loads(path.read_text(encoding="utf-8"))
        if prov.get("experiment") != json.loads(json.dumps(_experiment_dict(exp))):
            raise ValueError(
                f"{out} holds results of a different experiment; use a new --out to run this one"
            )
    else:
        prov = provenance(exp, source)
        (out / "experiment.toml").write_text(exp.text, encoding="utf-8")
    prov["sessions"].append(session)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(prov, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------- executors
class SerialExecutor(Executor):
    """Runs each submission at once in this process (one worker: no pool overhead)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Call `fn` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """A `concurrent.futures` executor: ``local`` (processes) or ``dask`` (a cluster)."""
    if kind == "dask":
        with _dask_executor(workers, scheduler) as executor:
            yield executor
    elif workers <= 1:
        yield SerialExecutor()
    else:
        for var in THREAD_VARS:  # one process per core: keep BLAS from oversubscribing
            os.environ.setdefault(var, "1")
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.model"])
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            yield executor
        finally:  # on Ctrl-C or an error, drop what has not started yet
            executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--executor dask needs dask and distributed (pip install "
                         "'swarm-sim[dask]')") from None  # fmt: skip
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor(pure=False)
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,  # fmt: skip
        Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)


def _drive(executor: Executor, runs: Iterable[Run], timeseries: dict | None, limit: int,
           on_result: Callable[[Run, dict], None]) -> None:  # fmt: skip
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


# ---------------------------------------------------------------------- the sweep
def run_sweep(exp: Experiment, out: str | Path, *, workers: int | None = None,
              resume: bool = False, executor: str = "local", scheduler: str | None = None,
              progress: bool = True, source: str = "") -> dict[str, Any]:  # fmt: skip
    """Run every unfinished run of `exp`, writing results into `out` as they finish.

    Returns:
        ``{"total", "skipped", "ran", "failed", "seconds", "out"}``.

    Raises:
        ValueError: when `out` already holds results (without `resume`) or other ones.
    """
    import sim

    out = Path(out)
    workers = workers or default_workers()
    if workers < 1:
        raise ValueError(f"--workers must be a positive integer; got {workers}")
    results = Results(out, columns(), resume)
    session = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "resume": resume,
               "workers": workers, "executor": executor, "argv": sys.argv,
               "source_sha256": source_hash()}  # fmt: skip
    _write_provenance(out, exp, source, session)
    order = {run.run_id: run.index for run in exp.runs()}
    todo = (run for run in exp.runs() if run.run_id not in results.done)
    skipped = len(set(order) & results.done)
    bar = _progress(len(order), skipped, exp.name, progress)
    start = time.perf_counter()

    def on_result(run: Run, result: dict[str, Any]) -> None:
        results.record(run, result, sim.__version__)
        bar.update(1)
        if results.failed:
            bar.set_postfix(failed=results.failed, refresh=False)

    try:
        with open_executor(executor, workers, scheduler) as pool:
            _drive(pool, _unique(todo), exp.timeseries, IN_FLIGHT_PER_WORKER * workers, on_result)
    finally:
        bar.close()
        results.close()
    results.finalize(order)
    ran = len(order) - skipped
    return {"total": len(order), "skipped": skipped, "ran": ran, "failed": results.failed,
            "seconds": time.perf_counter() - start, "out": str(out)}  # fmt: skip


def _unique(runs: Iterable[Run]) -> Iterator[Run]:
    """Skip a run whose id was already planned (two grid points resolving to one setting)."""
    seen: set[str] = set()
    for run in runs:
        if run.run_id not in seen:
            seen.add(run.run_id)
            yield run


def _progress(total: int, initial: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=name, unit="run", disable=not enabled,
                mininterval=0.5, dynamic_ncols=True, file=sys.stderr)  # fmt: skip


def sweep_command(args) -> int:
    """``swarm-sim sweep FILE``: run an experiment file; 1 if any run failed, else 0."""
    exp = load_experiment(args.file)
    out = args.out or str(Path("results") / exp.name)
    report = run_sweep(exp, out, workers=args.workers, resume=args.resume,
                       executor=args.executor, scheduler=args.scheduler,
                       source=str(args.file))  # fmt: skip
    print(f"{exp.name}: {report['ran']} runs in {report['seconds']:.1f} s "
          f"({report['skipped']} already done, {report['failed']} failed) → "
          f"{Path(out) / SUMMARY_FILE}")  # fmt: skip
    if report["failed"]:
        print(f"tracebacks of the failed runs: {Path(out) / ERRORS_FILE}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------- benchmark
BENCH_RUNS, BENCH_STEPS = 200, 1000  # target: ≤ 60 s with 2 workers, ≥ 1.6x faster than 1
MEMORY_RUNS = 10_000  # target: a summary-only sweep of this many runs stays under 1 GB


def bench_command(args) -> int:
    """``swarm-sim bench --sweep``: time 200 preset runs with 1 and 2 workers; peak memory."""
    quick = bool(getattr(args, "quick", False))
    n_runs, mem_runs = (40, 2000) if quick else (BENCH_RUNS, MEMORY_RUNS)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{default_workers()} cores; load average {load} (other work slows the timings)")
    cpu_start = time.process_time()  # the one-worker sweep runs in this process
    seconds = {1: _time_sweep(n_runs, 1)}
    cpu = time.process_time() - cpu_start
    seconds[2] = _time_sweep(n_runs, 2)
    ratio = seconds[1] / seconds[2]
    print(f"sweep speed: {n_runs} runs × {BENCH_STEPS} steps of the default preset")
    for w, s in seconds.items():
        print(f"  {w} worker{'s' if w > 1 else ''}: {s:6.1f} s  ({n_runs / s:5.1f} runs/s)")
    print(f"  speed-up 2 vs 1: {ratio:.2f}x  (target ≥ 1.6x; 2 workers target ≤ 60 s for 200)")
    print(f"  CPU time of the 1-worker sweep: {cpu:.1f} s ({cpu / n_runs:.2f} s per run); "
          f"on 2 idle cores 2 workers need about {cpu / 2:.0f} s")  # fmt: skip
    mem = _memory_probe(mem_runs)
    print(f"sweep memory: {mem_runs} summary-only runs (n_agents=3, 5 steps), 2 workers")
    print(f"  peak RSS, sweep process alone: {mem['parent_mb']:.0f} MB")
    print(f"  peak RSS, sweep + its workers: {mem['tree_mb']:.0f} MB  (target < 1024 MB)")
    print(f"  took {mem['seconds']:.1f} s")
    ok = ratio >= 1.6 and mem["tree_mb"] < 1024 and (quick or seconds[2] <= 60)
    return 0 if ok else 1


def _time_sweep(n_runs: int, workers: int) -> float:
    import tempfile

    from sim.experiment import parse_experiment
    from sim.presets import DEFAULT_PRESET, PRESETS

    data = {"name": "bench", "steps": BENCH_STEPS, "seeds": n_runs,
            "params": dict(PRESETS[DEFAULT_PRESET].overrides)}  # fmt: skip
    exp = parse_experiment(data)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_sweep(exp, tmp, workers=workers, progress=False)
        return time.perf_counter() - start


def _memory_probe(n_runs: int) -> dict[str, float]:
    """Run the memory sweep in a fresh interpreter (so nothing else inflates its peak)."""
    code = "import sys; from sim.batch import memory_probe_main as m; m(int(sys.argv[1]))"
    proc = subprocess.run([sys.executable, "-c", code, str(n_runs)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory_probe_main(n_runs: int) -> None:
    """Run a tiny summary-only sweep of `n_runs` with 2 workers; print peak memory as JSON."""
    import resource
    import tempfile
    import threading

    from sim.experiment import parse_experiment

    exp = parse_experiment({"name": "memory", "steps": 5, "seeds": n_runs,
                            "params": {"n_agents": 3}})  # fmt: skip
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        report = run_sweep(exp, tmp, workers=2, progress=False)
    stop.set()
    sampler.join()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"parent_mb": parent, "tree_mb": max(peak[0], parent),
                      "seconds": report["seconds"]}))  # fmt: skip


def _tree_rss_mb(root: int) -> float:
    """Resident memory (MB) of a process and all its descendants (Linux /proc; else 0)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1]) / 1024
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total

"""``swarm-sim sweep FILE --dry-run``: the plan of a sweep and its time on this machine, run-free.

Prints the design (a grid, or a sampled design with its ranges), the number of design points,
seeds and distinct runs, and an estimated wall time. The estimate comes from a short calibration:
a few of the experiment's own runs (the smallest and the largest group it has) are built and
stepped `CALIBRATION_STEPS` steps, which gives the cost of building a model and of one step as a
straight line in the number of agents; every planned run is then costed at its full ``steps``
and the sum is divided by the workers. With a results folder already there (``--out``, or
``results/NAME``) it also says how many runs are done, and estimates the rest. It is a rough
guide, said so where it is printed: runs stop early when their mission ends, while later steps
can cost more than the first ones (after a leader's loss, in a large group spreading out;
group-size.toml's 1,000 agents step about twice as slowly after step 100 as before). Nothing
is written.
"""

from __future__ import annotations

import csv
import json
import math
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from sim.model import SwarmModel
from sim.research.adaptive import recorded_values, run_rounds
from sim.research.executors import check_executor, check_workers
from sim.research.experiment import Experiment, Run, load_experiment, parse_experiment
from sim.research.provenance import PROVENANCE_FILE
from sim.research.results import SUMMARY_FILE

CALIBRATION_STEPS = 20  # steps of each calibration run (fewer when the experiment has fewer)
CALIBRATION_RUNS = 2  # runs timed per group size (the smallest and the largest size)


def distinct_runs(exp: Experiment) -> list[Run]:
    """The runs a sweep would make: two points resolving to one setting run once."""
    seen: set[str] = set()
    out = []
    for run in exp.runs():
        if run.run_id not in seen:
            seen.add(run.run_id)
            out.append(run)
    return out


def calibrate(runs: list[Run], steps: int) -> tuple[float, float, float]:
    """Time a few runs: (seconds to build a model, seconds per step at 0 agents, per agent).

    The calibration runs are the first runs with the fewest and with the most agents.
    """
    sizes = sorted({r.params["n_agents"] for r in runs})
    picks = [r for size in sorted({sizes[0], sizes[-1]}) for r in _first(runs, size)]
    warm = SwarmModel(**{**picks[0].params, "max_steps": 2}, rng=picks[0].seed)
    warm.step()  # the first model pays for lazy imports and compilation: keep it out of the timing
    builds, rows = [], []
    for run in picks:
        params = {**run.params, "max_steps": max(run.params["max_steps"], steps)}
        start = time.perf_counter()
        model = SwarmModel(**params, rng=run.seed)
        built = time.perf_counter()
        for _ in range(steps):
            model.step()
        builds.append(built - start)
        rows.append((run.params["n_agents"], (time.perf_counter() - built) / steps))
    n, t = np.array(rows, dtype=float).T
    if np.ptp(n) == 0:
        return float(np.mean(builds)), float(t.mean()), 0.0
    slope, base = np.polyfit(n, t, 1)
    slope = max(float(slope), 0.0)
    return float(np.mean(builds)), max(float(np.mean(t - slope * n)), 0.0), slope


def _first(runs: list[Run], size: int) -> list[Run]:
    return [r for r in runs if r.params["n_agents"] == size][:CALIBRATION_RUNS]


def finished_ids(out: Path) -> set[str]:
    """The run ids already in ``out/summary.csv`` (read only; a torn last line matches none)."""
    path = out / SUMMARY_FILE
    if not path.exists():
        return set()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        if "run_id" not in header:
            return set()
        where = header.index("run_id")
        return {row[where] for row in reader if len(row) > where}


def missing_runs(folder: str | Path) -> tuple[int, int, bool]:
    """(missing, planned, exact) runs of the sweep in `folder`, by the experiment it recorded.

    The plan is rebuilt from the experiment file's text in ``provenance.json``, so grids,
    sampled designs and repeated settings count as the sweep counts them. With adaptive seeds
    the rounds are replayed on the recorded results up to the first one with runs missing:
    those are counted, and `exact` is False (later rounds depend on their results).
    (0, 0, True) when the folder records no experiment (or, without the file's text, a design
    or adaptive seeds).
    """
    folder = Path(folder)
    path = folder / PROVENANCE_FILE
    prov = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    text = prov.get("experiment_text")
    if not text:  # built in Python, not from a file: a grid's count from the recorded plan
        exp = prov.get("experiment", {})
        if "seeds" not in exp or "design" in exp or "adaptive_seeds" in exp:
            return (0, 0, True)
        grid = math.prod(len(v) for v in (exp.get("sweep") or {}).values())
        planned = len(exp["seeds"]) * grid
        return (max(planned - len(finished_ids(folder)), 0), planned, True)
    exp = parse_experiment(tomllib.loads(text), text=text)
    if exp.adaptive is None:
        planned = {run.run_id for run in distinct_runs(exp)}
        return (len(planned - finished_ids(folder)), len(planned), True)
    values, missing = recorded_values(folder, exp.adaptive.metric), []

    def execute(runs: list[Run]) -> None:
        if runs:
            missing.extend(runs)
            raise StopIteration  # this round cannot be decided: its runs are missing

    try:
        outcomes = run_rounds(exp, dict(values), execute)
    except StopIteration:
        return (len(missing), len(missing) + len(values), False)
    return (0, sum(o.seeds for o in outcomes), True)


def estimate(exp: Experiment, workers: int, done: set[str] = frozenset()) -> dict[str, Any]:
    """The plan's counts and the estimated wall time in seconds of the runs not in `done`."""
    runs = distinct_runs(exp)
    todo = [r for r in runs if r.run_id not in done]
    steps = min(CALIBRATION_STEPS, exp.steps)
    build, base, per_agent = calibrate(runs, steps)

    def cost(some: list[Run]) -> float:
        return sum(build + exp.steps * (base + per_agent * r.params["n_agents"]) for r in some)

    plan = {
        "points": len(exp.grid),
        "seeds": len(exp.seeds),
        "runs": len(runs),
        "done": len(runs) - len(todo),
        "calibration": {"steps": steps, "build": build, "step": base, "per_agent": per_agent},
        "seconds": cost(todo) / max(1, min(workers, len(todo))),
        "workers": workers,
    }
    rule = exp.adaptive
    if rule:  # the runs above are round 0 (min seeds per cell); at most max seeds per cell
        scale = rule.max / rule.min
        plan["max_runs"] = len(runs) // rule.min * rule.max
        left = cost(runs) * scale - cost(runs) + cost(todo)
        plan["max_seconds"] = left / max(1, min(workers, plan["max_runs"]))
    return plan


def describe_design(exp: Experiment) -> str:
    """The design in one line: a grid's axes, or a sampled design with its ranges."""
    d = exp.design
    if d is None:
        axes = " × ".join(f"{k} ({len(v)})" for k, v in exp.sweep.items()) or "no swept parameter"
        return f"grid: {axes}"
    ranges = ", ".join(f"{k} {v}" for k, v in d.ranges.items())
    size = {"sobol": f"N = {d.n}", "morris": f"r = {d.n} trajectories, {d.levels} levels"}
    return f"{d.kind}: {size.get(d.kind, f'n = {d.n}')}, design seed {d.seed}; ranges {ranges}"


def duration(seconds: float) -> str:
    """A duration as people read it: 45 s, 12 min, 3.4 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def dry_run_command(args) -> int:
    """Print the plan of ``swarm-sim sweep FILE`` and its estimated time; write nothing."""
    exp = load_experiment(args.file)
    workers = check_workers(args.workers)
    check_executor(args.executor, args.scheduler)  # the same options a real sweep refuses
    out = args.out or str(Path("results") / exp.name)
    plan = estimate(exp, workers, finished_ids(Path(out)))
    cal = plan["calibration"]
    print(f"experiment: {exp.name} ({args.file}) → {out}")
    print(f"design: {describe_design(exp)}")
    rule = exp.adaptive
    if rule:
        print(f"design points: {plan['points']}, seeds: adaptive, {rule.describe()}")
        print(f"runs: {plan['runs']} to {plan['max_runs']} (of up to {exp.steps} steps each)")
    else:
        print(
            f"design points: {plan['points']}, seeds: {plan['seeds']}, runs: {plan['runs']} "
            f"(of up to {exp.steps} steps each)"
        )
    print(
        f"calibration: {cal['steps']} steps of the experiment's own runs: model built in "
        f"{1000 * cal['build']:.0f} ms, {1000 * cal['step']:.2f} ms per step "
        f"+ {1000 * cal['per_agent']:.3f} ms per agent per step"
    )
    if plan["done"]:
        print(
            f"already in {out}: {plan['done']} of these runs; `--resume` runs the other "
            f"{plan['runs'] - plan['done']} (the estimate below is for those)"
        )
    span = duration(plan["seconds"])
    if rule:  # round 0 only, or every cell to max
        span = f"{span} (min seeds) to {duration(plan['max_seconds'])} (max seeds)"
    print(
        f"estimated time: about {span} with {workers} worker(s), if every "
        f"step costs what the first {cal['steps']} did (runs end sooner when their mission is "
        "done; steps after a loss, or in a large spread-out group, can cost more)"
    )
    print("dry run: nothing was run or written")
    return 0

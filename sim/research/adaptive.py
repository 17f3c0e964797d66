"""Enough seeds, run: rounds of seeds per cell until each cell's interval is narrow enough.

With ``seeds = { until_ci = ..., max = ... }`` (`sim.research.seedrule`) a sweep runs in rounds.
Round 0 gives every cell (a distinct grid or design point) seeds ``0..min-1``; each later round
reads every open cell's 95 % interval of the rule's metric over the seeds it has, closes the
cells that are narrow enough (half-width <= ``until_ci``) or at ``max`` seeds, and gives each
other cell the next ``batch`` seeds (never past ``max``). Seeds are always consecutive from 0, so
run ids are the usual ones (settings and seed) and each run's place in the plan is
``seed × cells + position``: the same file gives the same runs in the same order whatever the
workers or the executor, because a decision reads only the values of finished rounds, all of
which come from the seeded model. A resumed sweep re-reads those values from ``summary.csv`` and
so takes the same decisions. Each cell's outcome goes to ``cells.csv``:
``ci 0.048 <= 0.05 after 37 seeds`` or ``max 200 reached, ci 0.07``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.research.experiment import Experiment, Run, run_id
from sim.research.results import SUMMARY_FILE
from sim.research.seedrule import SeedRule
from sim.research.tables import cell

CELLS_FILE = "cells.csv"


@dataclass(frozen=True)
class Cell:
    """One distinct setting of the plan: a grid or design point (two resolving alike are one)."""

    position: int  # its place within a seed (runs of seed s are at s × points + position)
    point: dict[str, Any]  # the grid or design point (the first one, if two resolve alike)
    params: dict[str, Any]  # resolved settings
    key: str  # canonical settings (run ids)

    def run(self, seed: int, points: int) -> Run:
        """This cell's run with `seed` (its index: the run's place in the plan)."""
        return Run(seed * points + self.position, self.params, seed, run_id(self.key, seed))


@dataclass(frozen=True)
class Outcome:
    """Where a cell stopped: its seeds, its interval then, and the reason in words."""

    cell: Cell
    seeds: int
    half_width: float
    mean: float
    lo: float
    hi: float
    n: int  # finite values the interval stands on
    never: int  # values at +inf (e.g. never recovered)
    stopped: str  # "ci" (narrow enough) or "max" (the cap)

    def reason(self, rule: SeedRule) -> str:
        """``ci 0.048 <= 0.05 after 37 seeds`` or ``max 200 reached, ci 0.07``."""
        ci = f"ci {self.half_width:.3g}" if math.isfinite(self.half_width) else "no interval"
        if self.stopped == "ci":
            return f"{ci} <= {rule.until_ci:g} after {self.seeds} seeds"
        finite = "" if math.isfinite(self.half_width) else f" ({self.n} finite values)"
        return f"max {rule.max} reached, {ci}{finite}"


def cells(exp: Experiment) -> tuple[list[Cell], int]:
    """The distinct settings of `exp` in plan order, and the number of points per seed."""
    points = exp.ordered_points()
    seen: set[str] = set()
    out = []
    for position, (point, params, key) in enumerate(points):
        if key not in seen:
            seen.add(key)
            out.append(Cell(position, point, params, key))
    return out, len(points)


def run_rounds(
    exp: Experiment,
    values: dict[str, float],
    execute: Callable[[list[Run]], None],
) -> list[Outcome]:
    """Run `exp`'s adaptive rounds; return each cell's outcome in plan order.

    Args:
        exp: an experiment with an adaptive seed rule.
        values: the rule's metric by run id for the runs already done (NaN: failed); `execute`
            must add the runs it is given.
        execute: runs a round's runs not yet in `values` (seed by seed, cells in plan order).
    """
    rule = exp.adaptive
    open_cells, points = cells(exp)
    done: list[Outcome] = []
    start, seeds = 0, rule.min
    samples: dict[str, list[float]] = {c.key: [] for c in open_cells}  # values of seeds 0, 1, ..
    while open_cells:
        batch = [(c.key, c.run(s, points)) for s in range(start, seeds) for c in open_cells]
        execute([r for _, r in batch if r.run_id not in values])
        for key, r in batch:  # seed by seed: each cell's sample stays in seed order
            samples[key].append(values.get(r.run_id, math.nan))
        still = []
        for c in open_cells:
            sample = samples[c.key]
            half, mean, lo, hi, n = rule.half_width(sample)
            never = sum(1 for v in sample if v == math.inf)
            if half <= rule.until_ci or seeds >= rule.max:
                stopped = "ci" if half <= rule.until_ci else "max"
                done.append(Outcome(c, seeds, half, mean, lo, hi, n, never, stopped))
            else:
                still.append(c)
        open_cells, start, seeds = still, seeds, min(seeds + rule.batch, rule.max)
    return sorted(done, key=lambda o: o.cell.position)


def plan_order(outcomes: list[Outcome], points: int) -> dict[str, int]:
    """Every run of the finished plan: its id and its place (seed × points + position)."""
    return {
        o.cell.run(s, points).run_id: s * points + o.cell.position
        for o in outcomes
        for s in range(o.seeds)
    }


def metric_value(value: Any) -> float:
    """A metric as a number, the same from a worker's result as from its ``summary.csv`` text."""
    if isinstance(value, str):
        text = value.strip()
        if text in ("True", "False"):
            return 1.0 if text == "True" else 0.0
        return float(text) if text else math.nan
    return math.nan if value is None else float(value)


def recorded_values(out: Path, metric: str) -> dict[str, float]:
    """The metric of every run in ``out/summary.csv`` by run id (NaN for a failed run)."""
    path = Path(out) / SUMMARY_FILE
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {
            row["run_id"]: metric_value(row[metric]) if row["status"] == "ok" else math.nan
            for row in csv.DictReader(f)
        }


def write_cells(out: Path, outcomes: list[Outcome], rule: SeedRule) -> Path:
    """Write ``out/cells.csv``: one row per cell, its point, seeds, interval and reason."""
    names = list(dict.fromkeys(k for o in outcomes for k in o.cell.point))
    head = ["cell", *names, "seeds", "n", "never", "mean", "lo", "hi", "half_width"]
    path = Path(out) / CELLS_FILE
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*head, "until_ci", "stopped", "reason"])
        for o in outcomes:
            point = [cell(o.cell.point.get(k, "")) for k in names]
            stats = [o.seeds, o.n, o.never, o.mean, o.lo, o.hi, o.half_width]
            writer.writerow(
                [o.cell.position, *point, *stats, rule.until_ci, o.stopped, o.reason(rule)]
            )
    return path


def summary_line(outcomes: list[Outcome], rule: SeedRule) -> str:
    """What the rounds did, in one line: cells narrow enough, cells at the cap, runs."""
    narrow = [o for o in outcomes if o.stopped == "ci"]
    capped = [o for o in outcomes if o.stopped == "max"]
    parts = [f"{len(outcomes)} cells"]
    if narrow:
        seeds = sorted(o.seeds for o in narrow)
        spread = f"{seeds[0]}" if seeds[0] == seeds[-1] else f"{seeds[0]}-{seeds[-1]}"
        parts.append(f"{len(narrow)} narrow enough after {spread} seeds")
    if capped:
        widest = max(o.half_width for o in capped)
        parts.append(f"{len(capped)} at max {rule.max} (widest ci {widest:.3g})")
    runs = sum(o.seeds for o in outcomes)
    return (
        f"enough seeds ({rule.metric}, 95 % half-width <= {rule.until_ci:g}): "
        f"{', '.join(parts)}; {runs} runs"
    )

"""Enough seeds: the stopping rule of ``seeds = { until_ci = ... }`` and the interval it reads.

A fixed number of seeds is a guess: too few and a cell's interval is too wide to tell settings
apart, too many and the sweep wastes hours on cells that were settled long ago. An adaptive
``seeds`` table names a summary metric and a target half-width instead; the sweep gives every
cell (grid point or design point) `min` seeds, then adds `batch` seeds at a time to every cell
whose 95 % interval is still wider than the target, until it is narrow enough or has `max` seeds
(a sequential "run until the confidence interval is narrow enough" rule, as in fixed-width
sequential estimation; Chow & Robbins 1965). This module parses the table and computes the
half-width; `sim.research.adaptive` runs the rounds.

The half-width is half the 95 % interval that `swarm-sim plot` shows for the cell: a Wilson
score interval for a true/false metric (``mission_success``: a share, so the half-width is in
shares: 0.05 = ±5 percentage points), a Student t interval of the mean for any other metric (in
the metric's own units: steps for ``max_recovery_steps``). Only finite values count, as in the
tables and figures: a run at +inf (``max_recovery_steps`` when the leader was never replaced) or
NaN (not defined, e.g. no leader was lost) and a failed run do not enter the interval, so a cell
with fewer than two finite values has no interval and keeps getting seeds up to `max`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sim.model import SwarmModel
from sim.research.stats import mean_ci, proportion_ci

RULE_KEYS = ("until_ci", "metric", "min", "max", "batch")
DEFAULT_METRIC = "mission_success"
DEFAULT_MIN = 10  # seeds every cell gets before its interval is read (or max, if smaller)
DEFAULT_BATCH = 10  # seeds added to each still-wide cell per round
MAX_SEEDS = 100_000  # the largest allowed max: a cap, not a target


@dataclass(frozen=True)
class SeedRule:
    """Add seeds to a cell until the 95 % interval of `metric` is at most ±`until_ci` wide.

    Attributes:
        until_ci: the target half-width of the 95 % interval, in the metric's units.
        metric: a `SwarmModel.summary()` field.
        min: seeds (0..min-1) every cell gets first.
        max: the cap on a cell's seeds (seeds 0..max-1 at most).
        batch: seeds added per round to each cell still wider than the target.
        proportion: the metric is true/false (Wilson interval), else a mean (t interval).
    """

    until_ci: float
    metric: str
    min: int
    max: int
    batch: int
    proportion: bool

    def as_dict(self) -> dict[str, Any]:
        """The rule as plain data (recorded in provenance; a resume must match it)."""
        return asdict(self)

    def describe(self) -> str:
        """The rule in one line, e.g. for ``--dry-run``."""
        kind = "Wilson" if self.proportion else "Student t"
        return (
            f"{self.min} to {self.max} per cell, {self.batch} at a time, until the {kind} 95 % "
            f"interval of {self.metric} is at most ±{self.until_ci:g} wide"
        )

    def half_width(self, values: Any) -> tuple[float, float, float, float, int]:
        """(half-width, mean, lo, hi, n finite) of `values`; half-width inf without interval."""
        mean, lo, hi, n = (proportion_ci if self.proportion else mean_ci)(values)
        half = (hi - lo) / 2 if math.isfinite(lo) and math.isfinite(hi) else math.inf
        return half, mean, lo, hi, n


@functools.cache
def summary_kinds() -> dict[str, bool]:
    """Each `SwarmModel.summary()` field and whether it is true/false (a proportion)."""
    summary = SwarmModel(n_agents=2, max_steps=1, rng=0).summary()
    return {k: isinstance(v, (bool, np.bool_)) for k, v in summary.items()}


def parse_rule(value: dict[str, Any]) -> SeedRule:
    """Validate an adaptive ``seeds = { ... }`` table.

    Raises:
        ValueError: naming the key and its allowed values or range.
    """
    for key in value:
        if key not in RULE_KEYS:
            raise ValueError(
                f"seeds: unknown key {key!r} in seeds = {{ ... }} (allowed: {', '.join(RULE_KEYS)})"
            )
    kinds = summary_kinds()
    metric = value.get("metric", DEFAULT_METRIC)
    if metric not in kinds:
        raise ValueError(
            f"seeds.metric: unknown summary metric {metric!r} (allowed: {', '.join(kinds)})"
        )
    proportion = kinds[metric]
    if "until_ci" not in value:
        raise ValueError(
            "seeds.until_ci is not set; an adaptive seeds table needs the target half-width of "
            "the 95 % interval, in the metric's units, e.g. seeds = { until_ci = 0.05, max = 200 }"
        )
    if "max" not in value:
        raise ValueError(
            "seeds.max is not set; an adaptive seeds table needs a cap on the seeds per cell, "
            "e.g. seeds = { until_ci = 0.05, max = 200 }"
        )
    until = value["until_ci"]
    top = 0.5 if proportion else math.inf
    if not _number(until) or not 0 < until <= top:
        units = (
            f"{metric} is true/false, so a share: a number in (0, 0.5], e.g. 0.05 for ±5 points"
            if proportion
            else f"in {metric}'s own units: a number > 0"
        )
        raise ValueError(
            f"seeds.until_ci must be the half-width of the 95 % interval of {metric}, {units}; "
            f"got {until!r}"
        )
    cap = _integer(value["max"], "max", 2, MAX_SEEDS, f"an integer in [2, {MAX_SEEDS}]")
    low = _integer(
        value.get("min", min(DEFAULT_MIN, cap)),
        "min",
        2,
        cap,
        f"an integer in [2, seeds.max = {cap}] (two values give the first interval)",
    )
    batch = _integer(
        value.get("batch", DEFAULT_BATCH), "batch", 1, MAX_SEEDS, "a positive integer (seeds)"
    )
    return SeedRule(float(until), metric, low, cap, batch, proportion)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _integer(x: Any, key: str, lo: int, hi: int, allowed: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or not lo <= x <= hi:
        raise ValueError(f"seeds.{key} must be {allowed}; got {x!r}")
    return x

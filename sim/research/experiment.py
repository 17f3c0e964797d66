"""Experiment files: a declarative grid of swarm parameters × seeds, read from TOML.

An experiment names fixed parameters (``[params]``), swept parameters (``[sweep]``, every list is
expanded into a full grid), a number of seeds (or an explicit list) and the maximum number of
steps per run (both required). Every parameter name and value is checked against `SwarmParams`,
so a typo or an out-of-range value is reported with the key and its allowed values before
anything runs; a swept list naming one setting twice (``[10, 10.0]``) is an error too.

Runs are ordered *interleaved*: seed by seed, and within one seed the grid points are ordered so
that every prefix is spread as evenly as possible over each parameter's values. A sweep stopped
early therefore already covers the whole grid, with fewer seeds.

Parameters that must move together form one *linked* axis: a quoted key naming them, separated
by commas, with one list of values per position, e.g.
``"election_timeout_min,election_timeout_max" = [[5, 10], [15, 30]]``.

An optional ``[plot]`` table says which figures answer the experiment's question (checked here,
drawn by ``swarm-sim plot``; see `sim.research.plotspec`). It does not change any run.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.model import REPORTERS, SwarmModel
from sim.params import SwarmParams, allowed, field_names, unknown_message
from sim.research.design import Design, parse_design
from sim.research.plotspec import parse_plot
from sim.research.seedrule import SeedRule, parse_rule

TOP_KEYS = ("name", "description", "steps", "seeds", "params", "sweep", "timeseries", "plot")
DESIGN_TABLES = ("design", "ranges")  # a sampled design instead of a grid: sim.research.design
TIMESERIES_KEYS = ("columns", "every")
MAX_BALANCED_GRID = 4000  # above this many grid points, use a fixed shuffle (greedy is O(G²))
ORDER_SEED = 20261129  # fixed seed of that shuffle and of greedy tie-breaks
SEED_LIMIT = 2**32  # a drawn seed (`swarm-sim run` without --seed) is below this


@dataclass(frozen=True)
class Run:
    """One run of an experiment: its position in the plan, parameters, seed and id."""

    index: int
    params: dict[str, Any]
    seed: int
    run_id: str


@dataclass(frozen=True)
class Experiment:
    """A parsed, validated experiment file.

    Attributes:
        name: short name (also the default results folder ``results/NAME``).
        description: free text.
        steps: maximum steps per run (sets ``max_steps``).
        seeds: the seeds every grid point is run with (adaptive: the first `adaptive.min`).
        params: fixed parameter values.
        sweep: swept parameters, each with its list of values (in file order).
        timeseries: None (summary only) or ``{"columns": [...], "every": k}``.
        plot: the ``[plot]`` table, validated (None: the default figures); not part of any run.
        design: None (the grid of `sweep`) or a sampling design over ``[ranges]``
            (`sim.research.design`).
        adaptive: None (a fixed number of seeds) or the rule adding seeds to each cell
            (``seeds = { until_ci = ... }``: `sim.research.seedrule`, `sim.research.adaptive`).
        text: the file's original text (kept for provenance).
    """

    name: str
    description: str
    steps: int
    seeds: tuple[int, ...]
    params: dict[str, Any]
    sweep: dict[str, list[Any]]
    timeseries: dict[str, Any] | None = None
    plot: dict[str, Any] | None = field(default=None, compare=False)
    design: Design | None = None
    adaptive: SeedRule | None = None
    text: str = field(default="", repr=False, compare=False)

    @property
    def grid(self) -> list[dict[str, Any]]:
        """Every combination of swept values (last key fastest), or the design's points."""
        if self.design is not None:
            return self.design.points()
        points = []
        for combo in itertools.product(*self.sweep.values()):
            point: dict[str, Any] = {}
            for key, value in zip(self.sweep, combo, strict=True):
                point.update(_axis_values(key, value))
            points.append(point)
        return points

    @property
    def n_runs(self) -> int:
        """Number of runs: grid points × seeds."""
        return len(self.grid) * len(self.seeds)

    def settings(self, point: dict[str, Any]) -> dict[str, Any]:
        """All `SwarmParams` fields, resolved, for one grid point."""
        return SwarmParams.build(**self.params, **point, max_steps=self.steps).as_dict()

    def runs(self) -> Iterator[Run]:
        """The runs in interleaved order: seed by seed, grid points balanced within a seed.

        A design's points keep the design's own order within a seed.
        """
        points = self.ordered_points()
        for k, seed in enumerate(self.seeds):
            for g, (_, params, key) in enumerate(points):
                yield Run(k * len(points) + g, params, seed, run_id(key, seed))

    def ordered_points(self) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
        """(point, resolved settings, canonical settings) in the order runs take within a seed."""
        grid = self.grid
        if self.design is not None:
            order = list(range(len(grid)))
        else:
            order = balanced_order([len(v) for v in self.sweep.values()])
        settings = [self.settings(grid[g]) for g in order]
        return [(grid[g], s, _canonical(s)) for g, s in zip(order, settings, strict=True)]


def summary_fields() -> list[str]:
    """Names of the `SwarmModel.summary()` fields (from a one-step, two-agent model)."""
    return list(_summary_fields())


@functools.cache
def _summary_fields() -> tuple[str, ...]:
    return tuple(SwarmModel(n_agents=2, max_steps=1, rng=0).summary())


def axis_names(key: str) -> list[str]:
    """Parameter names of a sweep axis: one name, or several for a linked axis ``"a,b"``."""
    return [name.strip() for name in key.split(",")]


def _axis_values(key: str, value: Any) -> dict[str, Any]:
    names = axis_names(key)
    return {names[0]: value} if len(names) == 1 else dict(zip(names, value, strict=True))


def run_id(canonical_params: str, seed: int) -> str:
    """Short stable id of a run from its resolved parameters (canonical JSON) and seed."""
    digest = hashlib.sha256(f"{canonical_params}|seed={int(seed)}".encode()).hexdigest()
    return digest[:16]


def settings_run_id(settings: dict[str, Any], seed: int) -> str:
    """`run_id` of fully resolved settings (`SwarmParams.as_dict()`): a sweep's id for them."""
    return run_id(_canonical(settings), seed)


def draw_seed() -> int:
    """A fresh seed from OS entropy, in [0, `SEED_LIMIT`): printed, so the run can be repeated."""
    return int(np.random.SeedSequence().entropy % SEED_LIMIT)


def _canonical(settings: dict[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def balanced_order(sizes: list[int]) -> list[int]:
    """Order the flat indices of a grid so every prefix spreads evenly over each axis.

    Greedy: the next point is the one whose values have been used least so far (sum over axes),
    ties broken by a fixed shuffle. Deterministic; a permutation of ``range(prod(sizes))``.
    """
    total = int(np.prod(sizes)) if sizes else 1
    shuffle = np.random.default_rng(ORDER_SEED).permutation(total)
    if total > MAX_BALANCED_GRID or not sizes:
        return [int(i) for i in shuffle] if sizes else [0]
    digits = np.array(np.unravel_index(shuffle, sizes)).T  # candidate points, shuffled
    counts = [np.zeros(s, dtype=np.int64) for s in sizes]
    left = np.ones(total, dtype=bool)
    order = []
    for _ in range(total):
        score = sum(c[digits[:, j]] for j, c in enumerate(counts))
        score = np.where(left, score, np.iinfo(np.int64).max)
        k = int(np.argmin(score))  # first minimum: the tie-break follows the shuffle
        left[k] = False
        for j, c in enumerate(counts):
            c[digits[k, j]] += 1
        order.append(int(shuffle[k]))
    return order


# ---------------------------------------------------------------------- reading and validation
def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: naming the offending key and the allowed keys or values.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; give an experiment file (.toml)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the experiment file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_experiment(data, text=text, default_name=path.stem)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def parse_experiment(
    data: dict[str, Any], text: str = "", default_name: str = "experiment"
) -> Experiment:
    """Validate a parsed TOML table and build an `Experiment`.

    Raises:
        ValueError: naming the offending key and the allowed keys or values.
    """
    _check_keys(data, TOP_KEYS + DESIGN_TABLES, "top-level key")
    params = _table(data, "params")
    sweep = _table(data, "sweep")
    swept = [name for key in sweep for name in axis_names(key)]
    for name in [*params, *swept]:
        if name not in field_names():
            raise ValueError(unknown_message(name))
    repeated = sorted({n for n in swept if swept.count(n) > 1} | (set(params) & set(swept)))
    if repeated:
        raise ValueError(f"{repeated[0]!r} is set twice (in [params] or [sweep]); keep one")
    if "max_steps" in swept or "max_steps" in params:
        raise ValueError("set the run length with the top-level 'steps', not max_steps")
    for key, values in sweep.items():
        _check_axis(key, values)
    timeseries = _timeseries(data.get("timeseries"))
    plot = None
    if "plot" in data:
        series = timeseries["columns"] if timeseries else []
        firsts = [axis_names(key)[0] for key in sweep]  # a linked axis is shown by its first name
        plot = parse_plot(data["plot"], firsts, summary_fields(), series)
    seeds = _required(data, "seeds")
    seeds = parse_rule(seeds) if isinstance(seeds, dict) else seeds
    exp = Experiment(
        name=_name(data.get("name", default_name)),
        description=str(data.get("description", "")),
        steps=_steps(_required(data, "steps")),
        seeds=_seeds(seeds.min if isinstance(seeds, SeedRule) else seeds),
        params=params,
        sweep=sweep,
        timeseries=timeseries,
        plot=plot,
        design=parse_design(data.get("design"), data.get("ranges"), params, sweep),
        adaptive=seeds if isinstance(seeds, SeedRule) else None,
        text=text,
    )
    _check_values(exp)
    return exp


def _check_axis(key: str, values: Any) -> None:
    names = axis_names(key)
    if len(names) == 1 and (not isinstance(values, list) or not values):
        raise ValueError(f"[sweep] {key} must be a non-empty list of {allowed(key)}")
    if len(names) > 1:
        ok = isinstance(values, list) and values
        if not ok or not all(isinstance(v, list) and len(v) == len(names) for v in values):
            raise ValueError(
                f"[sweep] {key!r} must be a non-empty list of [{', '.join(names)}] value lists"
            )


def _required(data: dict[str, Any], key: str) -> Any:
    """A top-level key every experiment must set (a run's length and its seeds are results)."""
    if key not in data:
        example = {"steps": "steps = 2000 (the maximum steps per run)", "seeds": "seeds = 10"}
        raise ValueError(
            f"{key} is not set; every experiment file must set it, e.g. {example[key]}"
        )
    return data[key]


def _check_keys(table: dict[str, Any], known: tuple[str, ...], what: str) -> None:
    for key in table:
        if key not in known:
            raise ValueError(f"unknown {what} {key!r} (allowed: {', '.join(known)})")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"[{key}] must be a table of parameter = value")
    return dict(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "/" in value or value.startswith("."):
        raise ValueError(f"name must be a non-empty string usable as a folder name; got {value!r}")
    return value.strip()


def _steps(value: Any) -> int:
    spec_hi = 10_000_000
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= spec_hi:
        raise ValueError(f"steps must be an integer in [1, {spec_hi}]; got {value!r}")
    return value


def _seeds(value: Any) -> tuple[int, ...]:
    def ok(s: Any) -> bool:
        return isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**63

    if ok(value) and value >= 1:
        return tuple(range(value))
    if isinstance(value, list) and value and all(ok(s) for s in value):
        if len(set(value)) != len(value):
            raise ValueError(f"seeds lists a seed twice: {value!r}")
        return tuple(value)
    raise ValueError(
        "seeds must be a positive integer n (seeds 0..n-1), a non-empty list of distinct "
        f"non-negative integers, or a table {{ until_ci = ..., max = ... }}; got {value!r}"
    )


def _timeseries(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("[timeseries] must be a table with columns = [...] and every = k")
    _check_keys(value, TIMESERIES_KEYS, "key in [timeseries]")
    columns = value.get("columns", list(REPORTERS))
    if not isinstance(columns, list) or not columns:
        raise ValueError(f"[timeseries] columns must be a non-empty list of {', '.join(REPORTERS)}")
    for col in columns:
        if col not in REPORTERS:
            raise ValueError(
                f"[timeseries] unknown column {col!r} (allowed: {', '.join(REPORTERS)})"
            )
    every = value.get("every", 1)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"[timeseries] every must be a positive integer (steps); got {every!r}")
    return {"columns": list(columns), "every": every}


def _check_values(exp: Experiment) -> None:
    """Validate every value (each swept value alone first, for a precise message)."""
    try:
        SwarmParams.build(**exp.params, max_steps=exp.steps)
    except ValueError as exc:
        raise ValueError(f"[params] {exc}") from None
    for key, values in exp.sweep.items():
        seen: dict[str, Any] = {}
        for value in values:
            try:
                built = SwarmParams.build(
                    **exp.params, **_axis_values(key, value), max_steps=exp.steps
                )
                resolved = [getattr(built, n) for n in axis_names(key)]
            except ValueError as exc:
                if any(str(exc).startswith(f"{n} must be") for n in axis_names(key)):
                    raise ValueError(f"[sweep] {exc}") from None  # else a cross-field rule
                resolved = value
            same = _canonical(resolved)
            if same in seen:
                first = seen[same]
                spelled = "" if repr(first) == repr(value) else f" (as {first!r} and {value!r})"
                raise ValueError(
                    f"[sweep] {key} lists the value {first!r} twice{spelled}; list each value once"
                )
            seen[same] = value
    for k, point in enumerate(exp.grid):
        try:
            exp.settings(point)
        except ValueError as exc:
            if exp.design is None:
                raise ValueError(f"[sweep] the grid point {point} is invalid: {exc}") from None
            raise ValueError(  # a design has no [sweep]: the ranges drew this point
                f"[ranges] the sampled point {k} {point} is invalid: {exc}; choose ranges in "
                "which every combination satisfies this rule"
            ) from None

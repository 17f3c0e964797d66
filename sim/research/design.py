"""Sampling designs: which parameter settings an experiment runs, beyond a full grid.

``[design] kind`` chooses how the points are drawn from the ``[ranges]`` table:

- ``grid`` (the default): the full grid of the ``[sweep]`` lists, as before; no ``[ranges]``.
- ``random``: `n` points drawn uniformly and independently.
- ``lhs``: a Latin hypercube of `n` points (`scipy.stats.qmc.LatinHypercube`): each parameter's
  range is cut into `n` equal strata and each stratum is hit exactly once.
- ``sobol``: Saltelli's extension of a scrambled Sobol' sequence (SALib, Saltelli 2002; Saltelli
  et al. 2010), ``n·(2D + 2)`` points for D parameters, `n` a power of two: the sample that
  first-order, second-order and total Sobol' indices are estimated from (``swarm-sim analyze``).
- ``morris``: `n` Morris trajectories (SALib; Morris 1991) on a `levels`-level grid,
  ``n·(D + 1)`` points: each trajectory moves one parameter at a time (elementary effects).

Points are drawn in the unit cube and mapped onto the ranges: a number range ``[lo, hi]``
linearly; an integer range so that each integer in ``lo..hi`` gets an equal share of the cube's
side (values rounded down, ``hi`` included); a list of choices (a choice parameter, or a
true/false one) by index, each choice an equal share. A design is deterministic given its own
`seed` (separate from the run seeds), so its points, hence its run ids, are the same every time
the file is read, and ``--resume`` works as for a grid.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.params import allowed, field_names, specs, unknown_message

KINDS = ("grid", "random", "lhs", "sobol", "morris")
DESIGN_KEYS = ("kind", "n", "seed", "levels")
ANALYSABLE = ("sobol", "morris")  # the designs `swarm-sim analyze` computes indices from
MAX_POINTS = 1_000_000  # a design larger than this is surely a typo in n
DEFAULT_LEVELS = 4  # Morris grid levels (SALib's default; an even number keeps the design balanced)


@dataclass(frozen=True)
class Design:
    """A sampling design: its kind, size, own seed and the parameters' ranges.

    Attributes:
        kind: one of `KINDS` other than ``grid``.
        n: samples (random, lhs), the base sample N (sobol) or trajectories r (morris).
        seed: the design's own seed (not a run seed).
        ranges: parameter → ``[lo, hi]`` (numbers) or the list of choices, in file order.
        levels: Morris grid levels (morris only).
    """

    kind: str
    n: int
    seed: int
    ranges: dict[str, list[Any]]
    levels: int = DEFAULT_LEVELS
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """The ranged parameters, in file order."""
        return list(self.ranges)

    @property
    def n_points(self) -> int:
        """Number of design points (before seeds)."""
        d = len(self.ranges)
        return {"sobol": self.n * (2 * d + 2), "morris": self.n * (d + 1)}.get(self.kind, self.n)

    def problem(self) -> dict[str, Any]:
        """The SALib problem of this design (`unit_problem` of its parameters)."""
        return unit_problem(self.names)

    def __len__(self) -> int:
        return len(self.ranges)

    def unit_sample(self) -> np.ndarray:
        """The design's points in the unit cube, shape (n_points, D); computed once."""
        if "unit" not in self._cache:
            self._cache["unit"] = _draw(self)
        return self._cache["unit"]

    def points(self) -> list[dict[str, Any]]:
        """The design's points as parameter values (ints and choices mapped from the cube)."""
        return [
            {name: to_value(self.ranges[name], u) for name, u in zip(self.names, row, strict=True)}
            for row in self.unit_sample()
        ]

    def as_dict(self) -> dict[str, Any]:
        """The design as plain data (recorded in provenance; a resume must match it)."""
        return {
            "kind": self.kind,
            "n": self.n,
            "seed": self.seed,
            "levels": self.levels,
            "ranges": self.ranges,
        }


def unit_problem(names: list[str]) -> dict[str, Any]:
    """A SALib problem with every parameter on the unit interval (where designs are drawn)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _draw(design: Design) -> np.ndarray:
    """Draw the unit-cube sample of `design` (deterministic given its seed)."""
    d, n, seed = len(design), design.n, design.seed
    if design.kind == "random":
        return np.random.default_rng(seed).random((n, d))
    if design.kind == "lhs":
        from scipy.stats import qmc  # deferred: scipy.stats is slow to import

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
    sobol, morris = _salib_samplers()
    if design.kind == "sobol":
        return sobol.sample(design.problem(), n, calc_second_order=True, seed=seed)
    return morris.sample(design.problem(), n, num_levels=design.levels, seed=seed)


def _salib_samplers() -> tuple[Any, Any]:
    """SALib's Sobol' and Morris samplers (an optional extra: imported only when needed)."""
    try:
        import SALib.sample.morris as morris  # deferred: optional dependency
        import SALib.sample.sobol as sobol  # deferred: optional dependency
    except ImportError:
        raise ValueError(
            "sobol and morris designs need SALib: pip install 'swarm-sim[analysis]'"
        ) from None
    return sobol, morris


def to_value(spec: list[Any], u: float) -> Any:
    """Map a unit-interval coordinate `u` onto a range ``[lo, hi]`` or a list of choices."""
    if _is_choices(spec):
        return spec[min(int(u * len(spec)), len(spec) - 1)]
    lo, hi = spec
    if isinstance(lo, int) and isinstance(hi, int):
        return min(int(math.floor(lo + u * (hi - lo + 1))), hi)
    return float(lo + u * (hi - lo))


def _is_choices(spec: list[Any]) -> bool:
    return any(isinstance(v, (str, bool)) for v in spec) or len(spec) != 2


# ---------------------------------------------------------------------- reading and validation
def parse_design(
    table: Any, ranges: Any, params: dict[str, Any], sweep: dict[str, Any]
) -> Design | None:
    """Validate ``[design]`` and ``[ranges]``; None for a grid (the ``[sweep]`` lists).

    Raises:
        ValueError: naming the key or parameter and what is allowed.
    """
    table = _as_table(table, "design", "kind = 'lhs', n = 64, seed = 1")
    ranges = _as_table(ranges, "ranges", "comm_range = [5, 40]")
    for key in table:
        if key not in DESIGN_KEYS:
            raise ValueError(f"unknown key in [design] {key!r} (allowed: {', '.join(DESIGN_KEYS)})")
    kind = table.get("kind", "grid")
    if kind not in KINDS:
        raise ValueError(
            f"[design] kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}"
        )
    if kind == "grid":
        extra = sorted(set(table) - {"kind"})
        if ranges or extra:
            what = "[ranges]" if ranges else f"[design] {extra[0]}"
            raise ValueError(
                f"{what} needs [design] kind = one of {', '.join(map(repr, KINDS[1:]))}; "
                "a grid design takes its values from the [sweep] lists"
            )
        return None
    if sweep:
        raise ValueError(
            f"[sweep] cannot be combined with a {kind} design: the design draws every point from "
            "[ranges]; move the swept parameter into [ranges] (a list of choices or [lo, hi])"
        )
    if not ranges:
        raise ValueError(f"a {kind} design needs a [ranges] table, e.g. comm_range = [5, 40]")
    checked = {name: _check_range(name, spec) for name, spec in ranges.items()}
    for name in checked:
        if name in params:
            raise ValueError(f"{name!r} is set twice (in [params] and [ranges]); keep one")
    n = _count(kind, table)
    levels = _levels(kind, table)
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"[design] seed must be an integer in [0, 2**32); got {seed!r}")
    design = Design(kind, n, seed, checked, levels)
    if design.n_points > MAX_POINTS:
        raise ValueError(
            f"[design] n = {n} gives {design.n_points} points for {kind} with {len(design)} "
            f"parameters; at most {MAX_POINTS}"
        )
    return design


def _as_table(value: Any, key: str, example: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"[{key}] must be a table, e.g. {example}")
    return dict(value)


def _count(kind: str, table: dict[str, Any]) -> int:
    meaning = {
        "random": "the number of points",
        "lhs": "the number of points",
        "sobol": "the base sample N, a power of two (N·(2D + 2) points)",
        "morris": "the number of trajectories r (r·(D + 1) points)",
    }[kind]
    if "n" not in table:
        raise ValueError(f"[design] n is not set; a {kind} design needs n: {meaning}")
    n = table["n"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"[design] n must be a positive integer ({meaning}); got {n!r}")
    if kind == "sobol" and n & (n - 1):
        raise ValueError(
            f"[design] n must be a power of two for a sobol design ({meaning}); got {n}"
        )
    if kind == "morris" and n < 2:
        raise ValueError(f"[design] n must be at least 2 trajectories for a morris design; got {n}")
    return n


def _levels(kind: str, table: dict[str, Any]) -> int:
    if "levels" not in table:
        return DEFAULT_LEVELS
    if kind != "morris":
        raise ValueError(f"[design] levels applies to morris designs only (kind is {kind!r})")
    levels = table["levels"]
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
        raise ValueError(f"[design] levels must be an even integer >= 2; got {levels!r}")
    return levels


@functools.cache
def _numeric(name: str) -> bool:
    m = specs()[name]
    return m["kind"] in (int, float) and not m["choices"]


def _check_range(name: str, spec: Any) -> list[Any]:
    """Check one ``[ranges]`` entry against the parameter's kind and allowed range."""
    if name not in field_names():
        raise ValueError(f"[ranges] {unknown_message(name)}")
    if name == "max_steps":
        raise ValueError("set the run length with the top-level 'steps', not max_steps")
    m = specs()[name]
    if m["kind"] is tuple:
        raise ValueError(f"[ranges] {name} ({m['shape']}) cannot be sampled; set it in [params]")
    if _numeric(name):
        return _check_numeric(name, spec, m)
    return _check_choices(name, spec, m)


def _check_numeric(name: str, spec: Any, m: dict[str, Any]) -> list[Any]:
    what = "integers" if m["kind"] is int else "numbers"
    shape = f"a range [lo, hi] of two {what} with lo < hi, within {allowed(name)}"
    numbers = isinstance(spec, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec
    )
    if not numbers or len(spec) != 2:
        hint = " (choices are for choice parameters; list values in [sweep])" if numbers else ""
        raise ValueError(f"[ranges] {name} must be {shape}; got {spec!r}{hint}")
    lo, hi = spec
    if m["kind"] is int and not all(float(v).is_integer() for v in spec):
        raise ValueError(f"[ranges] {name} must be {shape}; got {spec!r}")
    if not lo < hi:
        raise ValueError(f"[ranges] {name} must be {shape}; got {spec!r} (lo must be below hi)")
    if lo < m["lo"] or hi > m["hi"]:
        raise ValueError(
            f"[ranges] {name} must be {shape}; got {spec!r} (outside the allowed range)"
        )
    if m["kind"] is int:
        return [int(lo), int(hi)]
    return [float(lo), float(hi)]


def _check_choices(name: str, spec: Any, m: dict[str, Any]) -> list[Any]:
    options = list(m["choices"]) if m["choices"] else [False, True]
    shape = "a list of at least two distinct values, each " + allowed(name)
    if not isinstance(spec, list) or len(spec) < 2:
        raise ValueError(f"[ranges] {name} must be {shape}; got {spec!r}")
    for value in spec:
        if value not in options or (m["kind"] is bool) != isinstance(value, bool):
            raise ValueError(f"[ranges] {name} must be {shape}; got {value!r} in {spec!r}")
    if len(set(spec)) != len(spec):
        raise ValueError(f"[ranges] {name} lists a value twice: {spec!r}")
    return list(spec)

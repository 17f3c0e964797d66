"""Global sensitivity indices: which parameters a metric depends on, and how much.

Two methods, both computed by SALib from a design drawn by `sim.research.design`:

- **Sobol'** (variance-based; Sobol' 2001, Saltelli et al. 2010). The first-order index S1 of a
  parameter is the share of the metric's variance it explains alone; the total index ST the
  share it is involved in, interactions included (ST ≥ S1; ST ≈ 0 means the parameter does not
  matter at all). Confidence intervals by bootstrap (95 %).
- **Morris** elementary effects (Morris 1991; Campolongo et al. 2007): μ* is the mean absolute
  change of the metric when the parameter moves across its whole range (effects are measured in
  the unit cube, so μ* is in the metric's unit per full range), σ the spread of those changes
  (large σ: non-linear or interacting). Cheaper than Sobol', a screening method.

A parameter *matters* (`matters`) when its total index is at least `MATTERS_ST` with an
interval that excludes 0 (Sobol'), or its μ* is at least `MATTERS_MU` of the largest μ* with an
interval that excludes 0 (Morris).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.research.design import unit_problem

CONF_LEVEL = 0.95
RESAMPLES = 500  # bootstrap resamples behind each confidence interval
ANALYSIS_SEED = 20261130  # the bootstraps' seed: the same results give the same intervals
MATTERS_ST = 0.05  # a total Sobol' index at least this (5 % of the variance involves it) matters
MATTERS_MU = 0.1  # a Morris μ* at least this fraction of the largest μ* matters
# Interactions can lift the sum of the total indices above 1 (Ishigami: 1.24), but noise between
# runs (a seed's own randomness) adds itself to every ST; a sum above this is read as noise.
NOISY_ST_SUM = 2.0
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma", "mu")


def _analysers() -> tuple[Any, Any]:
    """SALib's Sobol' and Morris analysers (an optional extra: imported only when needed)."""
    try:
        import SALib.analyze.morris as morris  # deferred: optional dependency
        import SALib.analyze.sobol as sobol  # deferred: optional dependency
    except ImportError:
        raise ValueError(
            "sensitivity analysis needs SALib: pip install 'swarm-sim[analysis]'"
        ) from None
    return sobol, morris


def sobol_indices(names: list[str], y: np.ndarray, second_order: bool = True) -> pd.DataFrame:
    """First-order and total Sobol' indices with 95 % intervals, one row per parameter.

    Args:
        names: The parameters, in the design's order.
        y: The metric at each point of a Saltelli sample (``N·(2D + 2)`` values with
            `second_order`, else ``N·(D + 2)``), in the sample's order.
        second_order: Whether the sample was drawn for second-order indices.

    Returns:
        Columns `SOBOL_COLUMNS` (``*_conf``: half-width of the interval), indexed by parameter.
    """
    sobol, _ = _analysers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SALib divides by a zero variance
        si = sobol.analyze(
            unit_problem(names),
            np.asarray(y, dtype=float),
            calc_second_order=second_order,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=ANALYSIS_SEED,
        )
    return pd.DataFrame({c: si[c] for c in SOBOL_COLUMNS}, index=pd.Index(names, name="parameter"))


def morris_indices(names: list[str], x: np.ndarray, y: np.ndarray, levels: int) -> pd.DataFrame:
    """Morris μ* (with its 95 % interval), σ and μ, one row per parameter.

    Args:
        names: The parameters, in the design's order.
        x: The Morris sample in the unit cube, ``r·(D + 1)`` rows.
        y: The metric at each row of `x`.
        levels: The grid levels the sample was drawn on.

    Returns:
        Columns `MORRIS_COLUMNS` (``mu_star_conf``: half-width of the interval).
    """
    _, morris = _analysers()
    si = morris.analyze(
        unit_problem(names),
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        num_resamples=RESAMPLES,
        conf_level=CONF_LEVEL,
        num_levels=levels,
        seed=ANALYSIS_SEED,
    )
    data = {c: np.asarray(si[c], dtype=float) for c in MORRIS_COLUMNS}
    return pd.DataFrame(data, index=pd.Index(names, name="parameter"))


def matters(table: pd.DataFrame) -> list[str]:
    """The parameters that matter by the rule in the module's docstring, largest first."""
    if "ST" in table:
        lower = table["ST"] - table["ST_conf"].fillna(np.inf)
        keep = table[(table["ST"] >= MATTERS_ST) & (lower > 0)]
        return list(keep.sort_values("ST", ascending=False).index)
    top = table["mu_star"].max()
    lower = table["mu_star"] - table["mu_star_conf"].fillna(np.inf)
    keep = table[(table["mu_star"] >= MATTERS_MU * top) & (lower > 0) & (top > 0)]
    return list(keep.sort_values("mu_star", ascending=False).index)


def noise_warning(table: pd.DataFrame) -> str | None:
    """A caution when a Sobol' table's total indices add up to more than `NOISY_ST_SUM`."""
    if "ST" not in table:
        return None
    total = float(table["ST"].sum())
    if not total > NOISY_ST_SUM:
        return None
    return (
        f"Caution: the total indices add up to {total:.2f}. Interactions can lift the sum above "
        "1, but this much usually means noise between runs (each seed's own randomness), which "
        "the ST estimator counts towards every parameter: these indices do not rank the "
        "parameters; more seeds per design point or a larger n would."
    )


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on the unit cube mapped to [-π, π]³ (known Sobol' indices).

    S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244) for a = 7, b = 0.1 (Ishigami & Homma
    1990; Saltelli et al. 2008): the check that this module computes indices correctly.
    """
    z = -np.pi + 2 * np.pi * np.asarray(x, dtype=float)
    return np.sin(z[:, 0]) + a * np.sin(z[:, 1]) ** 2 + b * z[:, 2] ** 4 * np.sin(z[:, 0])

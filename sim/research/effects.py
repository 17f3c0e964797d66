"""Paired differences and effect sizes: how much setting B changes a run, seed by seed.

Two runs on the same seed draw the same faults until their settings part ways, so the
difference B − A of one pair is the setting's effect on that draw; averaging the differences
removes the seed-to-seed spread that two independent samples would carry. For a number the
mean paired difference gets a Student t 95 % interval (`sim.research.stats.mean_ci`) and the
standardised effect is Cohen's d_z = mean / sd of the differences (Cohen 1988), with an exact
interval from the noncentral t distribution (Steiger & Fouladi 1997; Cumming 2012, ch. 11).
For a true/false outcome the difference of the two shares gets Newcombe's square-and-add
interval for paired proportions (Newcombe 1998, *Stat. Med.* 17:2635, method 10, built on the
Wilson intervals of `sim.research.stats`), and the discordant pairs — A yes and B no, A no and
B yes — are counted, with McNemar's exact test on them (a binomial test of the discordant split).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.research.stats import CONFIDENCE, mean_ci, wilson_ci


def paired_difference(a: Any, b: Any) -> dict[str, float]:
    """Mean of B − A over the pairs and its t interval, with Cohen's d_z and its interval.

    Args:
        a: The baseline's value of each pair (finite).
        b: The other level's value of each pair (finite; same length and order as `a`).

    Returns:
        ``n``, ``mean_a``, ``mean_b``, ``diff``, ``lo``, ``hi`` (95 % interval of the mean
        difference), ``d_z``, ``d_lo``, ``d_hi``. With every pair differing by the same amount
        d_z is ±inf (0 with no difference at all) and has no interval; one pair: no intervals.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff, lo, hi, n = mean_ci(b - a)
    out = {"n": n, "mean_a": _mean(a), "mean_b": _mean(b), "diff": diff, "lo": lo, "hi": hi}
    return {**out, **dict(zip(("d_z", "d_lo", "d_hi"), cohen_dz(b - a), strict=True))}


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def cohen_dz(diffs: Any) -> tuple[float, float, float]:
    """Cohen's d_z of paired differences and its exact 95 % interval: (d_z, lo, hi).

    The interval inverts the noncentral t distribution of t = d_z √n (df = n − 1): its bounds
    are the noncentrality parameters that put the observed t at the 97.5 % and 2.5 % points.
    """
    d = np.asarray(diffs, dtype=float)
    n = len(d)
    if n < 2:
        return (math.nan, math.nan, math.nan)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        return (0.0 if mean == 0 else math.copysign(math.inf, mean), math.nan, math.nan)
    dz = mean / sd
    t = dz * math.sqrt(n)
    tail = (1 - CONFIDENCE) / 2
    lo = _noncentrality(t, n - 1, 1 - tail)
    hi = _noncentrality(t, n - 1, tail)
    return (dz, lo / math.sqrt(n), hi / math.sqrt(n))


def _noncentrality(t: float, dof: int, p: float) -> float:
    """The noncentrality parameter whose noncentral t puts `t` at cumulative probability `p`."""
    from scipy.optimize import brentq  # deferred: scipy is slow to import (see stats._wilson)
    from scipy.stats import nct  # deferred: likewise

    def gap(ncp: float) -> float:
        value = float(nct.cdf(t, dof, ncp))
        if math.isnan(value):  # scipy's far tail: the cdf is 1 for ncp far below t, 0 far above
            value = 1.0 if ncp < t else 0.0
        return value - p

    # The cdf falls as ncp grows; the root lies within a few standard errors of t (the SE of
    # the noncentrality is about sqrt(1 + t² / 2 dof)); widen the bracket until it holds it.
    width = 4.0 * math.sqrt(1.0 + t * t / (2.0 * dof)) + 1.0
    while gap(t - width) < 0 or gap(t + width) > 0:
        width *= 2
    return float(brentq(gap, t - width, t + width, xtol=1e-10))


def paired_proportions(a: Any, b: Any) -> dict[str, float]:
    """Share of true in A and in B over the pairs, B − A with Newcombe's paired interval.

    Args:
        a: The baseline's 0/1 outcome of each pair.
        b: The other level's 0/1 outcome of each pair (same length and order as `a`).

    Returns:
        ``n``, ``mean_a``, ``mean_b`` (the shares), ``diff`` (B − A), ``lo``, ``hi`` (95 %),
        ``a_only`` (pairs where only A is true), ``b_only`` (only B), ``mcnemar_p`` (exact
        two-sided p of the discordant split; 1 without discordant pairs).
    """
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    both, a_only = int((a & b).sum()), int((a & ~b).sum())
    b_only, neither = int((~a & b).sum()), int((~a & ~b).sum())
    n = both + a_only + b_only + neither
    if n == 0:
        undefined = dict.fromkeys(("mean_a", "mean_b", "diff", "lo", "hi", "mcnemar_p"), math.nan)
        return {"n": 0, **undefined, "a_only": 0, "b_only": 0}
    lo, hi = newcombe_paired(both, a_only, b_only, neither)
    return {
        "n": n,
        "mean_a": (both + a_only) / n,
        "mean_b": (both + b_only) / n,
        "diff": (b_only - a_only) / n,
        "lo": lo,
        "hi": hi,
        "a_only": a_only,
        "b_only": b_only,
        "mcnemar_p": mcnemar_p(a_only, b_only),
    }


def newcombe_paired(both: int, a_only: int, b_only: int, neither: int) -> tuple[float, float]:
    """95 % interval of p_B − p_A from a paired 2 × 2 table (Newcombe 1998, method 10).

    Each share gets its Wilson interval; the two are combined by "square and add", corrected
    for the correlation φ of the pairs (with Newcombe's n/2 adjustment of a positive one).
    """
    n = both + a_only + b_only + neither
    k_a, k_b = both + a_only, both + b_only
    p_a, p_b = k_a / n, k_b / n
    l_a, u_a = wilson_ci(k_a, n)
    l_b, u_b = wilson_ci(k_b, n)
    margins = k_a * (n - k_a) * k_b * (n - k_b)
    cross = both * neither - a_only * b_only
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > 0 else cross) / math.sqrt(margins)
    # B − A: B's lower side pairs with A's upper side, and the other way round.
    down = (p_b - l_b) ** 2 + (u_a - p_a) ** 2 - 2 * phi * (p_b - l_b) * (u_a - p_a)
    up = (u_b - p_b) ** 2 + (p_a - l_a) ** 2 - 2 * phi * (u_b - p_b) * (p_a - l_a)
    diff = p_b - p_a
    return (max(-1.0, diff - math.sqrt(max(down, 0.0))), min(1.0, diff + math.sqrt(max(up, 0.0))))


def mcnemar_p(a_only: int, b_only: int) -> float:
    """Exact McNemar test: two-sided p of the discordant split under "either way is as likely"."""
    if a_only + b_only == 0:
        return 1.0
    from scipy.stats import binomtest  # deferred: see `_noncentrality`

    return float(binomtest(a_only, a_only + b_only, 0.5).pvalue)

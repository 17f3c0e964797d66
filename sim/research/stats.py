"""Intervals, and the one aggregation behind every figure and table that ``swarm-sim plot`` draws.

A proportion (a true/false metric such as ``mission_success``, or the share of runs that
recovered) gets a Wilson score interval (Wilson 1927; `scipy.stats.binomtest`): it stays inside
[0, 1] and does not collapse to a point at 0/n or n/n. A mean gets a Student t interval, which
widens honestly for the few seeds a sweep has; a single value gets no interval. Nothing is
dropped silently: `summarise` counts the runs a mean stands on (``n``), the runs in the group
(``runs``) and the runs at +inf (``never``: a run that never recovered has
``max_recovery_steps = inf``), with the share that did recover and its interval beside the mean.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

CONFIDENCE = 0.95


def wilson_ci(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion of `k` in `n` (NaN, NaN when n = 0)."""
    return _wilson(int(k), int(n))


@functools.cache  # a sweep repeats the same few (k, n); binomtest takes milliseconds each
def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    from scipy.stats import binomtest  # deferred: scipy.stats took half of the CLI's start

    ci = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return (float(ci.low), float(ci.high))


@functools.cache  # one quantile per sample size: a trajectory needs thousands of intervals
def _t_quantile(dof: int) -> float:
    from scipy.stats import t as student_t  # deferred: see `_wilson`

    return float(student_t.ppf(0.5 + CONFIDENCE / 2, dof))


def mean_ci(values: Any) -> tuple[float, float, float, int]:
    """Mean and Student t 95 % interval of the finite values: (mean, lo, hi, n).

    One value gives no interval (lo = hi = NaN); none gives NaN everywhere and n = 0.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    if n == 1:
        return (mean, math.nan, math.nan, 1)
    half = float(_t_quantile(n - 1) * v.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half, n)


def proportion_ci(values: Any) -> tuple[float, float, float, int]:
    """Share of true (1) among the finite 0/1 values and its Wilson interval: (p, lo, hi, n)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (math.nan, math.nan, math.nan, 0)
    k = int(v.sum())
    return (k / len(v), *wilson_ci(k, len(v)), len(v))


def is_proportion(values: pd.Series) -> bool:
    """Whether a metric is a proportion: its column holds true/false values."""
    return pd.api.types.is_bool_dtype(values)


def has_never(values: pd.Series) -> bool:
    """Whether any run of a metric is at +inf (never reached, e.g. never recovered)."""
    return bool(np.isposinf(np.asarray(values, dtype=float)).any())


def summarise(
    df: pd.DataFrame, by: list[str], metric: str, proportion: bool | None = None
) -> pd.DataFrame:
    """One row per combination of `by`: the statistics of `metric` that figures and tables show.

    Args:
        df: One row per run.
        by: The columns to group by (none: one row for the whole frame).
        metric: The column to summarise.
        proportion: Wilson interval (true/false metric) or t interval of the mean; default:
            `is_proportion` of the column.

    Returns:
        Columns `by`, then ``mean`` (a share for a proportion), ``lo``, ``hi`` (95 % interval),
        ``n`` (finite values), ``runs`` (rows), ``never`` (values at +inf), and ``recovered``,
        ``recovered_lo``, ``recovered_hi``: the share of n / (n + never) and its Wilson interval.
    """
    proportion = is_proportion(df[metric]) if proportion is None else proportion
    rows = []
    groups = df.groupby(by, sort=True, dropna=False) if by else [((), df)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        values = np.asarray(group[metric], dtype=float)
        mean, lo, hi, n = (proportion_ci if proportion else mean_ci)(values)
        never = int(np.isposinf(values).sum())
        measured = n + never
        rec_lo, rec_hi = wilson_ci(n, measured)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "mean": mean,
                "lo": lo,
                "hi": hi,
                "n": n,
                "runs": len(group),
                "never": never,
                "recovered": n / measured if measured else math.nan,
                "recovered_lo": rec_lo,
                "recovered_hi": rec_hi,
            }
        )
    return pd.DataFrame(rows)


def cell_text(s: pd.Series, proportion: bool = False) -> str:
    """A table cell: mean [95 % CI] beside the runs it stands on, and how many never got there.

    E.g. ``1 [0.722, 1] (10/10)`` for a proportion, ``31.2 [25.1, 37.3] (n=8); never: 2/10``
    for a mean, ``– (never: 10/10)`` when no run recovered.
    """
    n, never = int(s["n"]), int(s["never"])
    never_text = f"never: {never}/{n + never}" if never else ""
    if n == 0:
        return f"– ({never_text})" if never else "–"
    if proportion:
        text = f"{s['mean']:.3g} [{s['lo']:.3g}, {s['hi']:.3g}] ({round(s['mean'] * n)}/{n})"
    elif n == 1:
        text = f"{s['mean']:.3g} (n=1, no interval)"
    else:
        text = f"{s['mean']:.3g} [{s['lo']:.3g}, {s['hi']:.3g}] (n={n})"
    return f"{text}; {never_text}" if never else text

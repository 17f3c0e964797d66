"""Figures of a sweep's results: every point with its 95 % interval and the runs it stands on.

`line_figure` draws a summary metric against a swept parameter: against a number, a line per
value of a second parameter with a shaded interval band; against categories (``election``, a
route), points with error bars, dodged side by side per value of the second parameter, because a
line between categories would invent values in between. `heatmap_figure` shows a metric over two
parameters. Both come from one aggregation, `sim.research.stats.summarise`: Wilson intervals for
proportions, Student t intervals for means. Nothing vanishes silently: each figure names the
dimensions it pools over (``pooled over: seed, message_loss``) and marks a point that stands on
fewer runs than the others; a metric with runs at +inf (``max_recovery_steps`` of a run that
never recovered) gets a second row with the share of runs that recovered, and a heatmap cell
says ``never k/n``.

Only the research figure modules import matplotlib (with the Agg backend); the model never does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.params import field_names
from sim.research.plotspec import MAX_FACETS
from sim.research.stats import has_never, is_proportion, summarise

MARKERS, DASHES = "osD^v", ("-", "--", ":", "-.")  # overlapping lines stay distinguishable
LOG_RATIO = 50  # a numeric axis spanning this factor or more is drawn on a log scale
DODGE = 0.5  # width, in categories, over which the hue values' points are spread
ROWS = ("mean", "lo", "hi")
RECOVERED_ROWS = ("recovered", "recovered_lo", "recovered_hi")


def pyplot():
    """matplotlib.pyplot with the Agg backend (files only, no window)."""
    import matplotlib  # deferred: slow to import, and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: likewise, once the backend is chosen

    return plt


def is_numeric(series: pd.Series) -> bool:
    """Whether a parameter is drawn on a numeric axis (numbers; not strings, not true/false)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def swept_columns(df: pd.DataFrame) -> list[str]:
    """The `SwarmParams` fields with more than one value among the runs of `df`."""
    return [c for c in field_names() if c in df and df[c].nunique(dropna=False) > 1]


def pooled(df: pd.DataFrame, shown: list[str | None], swept: list[str] | None = None) -> list[str]:
    """The dimensions a figure pools over: the seed and every swept parameter it does not show."""
    swept = swept_columns(df) if swept is None else swept
    return ["seed", *(p for p in swept if p not in shown)]


def subtitle(pool: list[str], stats: pd.DataFrame) -> str:
    """Two lines: 'pooled over: seed, message_loss' and '10 runs per point (...)'."""
    low, high = int(stats["runs"].min()), int(stats["runs"].max())
    runs = f"{low if low == high else f'{low}–{high}'} runs per point"
    fewer = bool((stats["n"] < stats["runs"]).any())
    return f"pooled over: {', '.join(pool)}\n{runs}" + (", marked where fewer have a value" * fewer)


def line_stats(
    df: pd.DataFrame, metric: str, x: str, hue: str | None = None, facet: str | None = None
) -> pd.DataFrame:
    """The table a line figure is drawn from: `summarise` by panel, line and `x`."""
    return summarise(df, [c for c in (facet, hue, x) if c], metric, is_proportion(df[metric]))


def values(df: pd.DataFrame, column: str | None) -> list:
    """The sorted distinct values of `column` ([None] without one): panels or lines."""
    return sorted(df[column].unique()) if column else [None]


def _format_x(ax, numeric: bool, xs: list) -> None:
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_xlim(-0.6, len(xs) - 0.4)
    if numeric and min(xs) > 0 and max(xs) / min(xs) >= LOG_RATIO:
        ax.set_xscale("log")  # e.g. group sizes 10 … 1000
    if numeric and len(xs) <= 8:
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
        ax.minorticks_off()
    ax.grid(alpha=0.3)


def _draw(ax, pos: np.ndarray, line: pd.DataFrame, cols: tuple, numeric: bool, style: dict):
    """A line with its interval band (numeric x), or points with error bars (categories)."""
    mid, lo, hi = (line[c].to_numpy(dtype=float) for c in cols)
    if numeric:
        (drawn,) = ax.plot(pos, mid, **style)
        ax.fill_between(pos, lo, hi, alpha=0.12, color=style["color"])
        return drawn
    err = np.maximum(np.vstack([mid - lo, hi - mid]), 0.0)  # NaN (one value) draws no bar
    marker = style.pop("marker")
    style.pop("linestyle")
    return ax.errorbar(pos, mid, yerr=err, fmt=marker, linestyle="none", capsize=3, **style)


def line_figure(
    df: pd.DataFrame,
    metric: str,
    x: str,
    hue: str | None = None,
    facet: str | None = None,
    swept: list[str] | None = None,
):
    """`metric` against `x` with 95 % intervals, a series per `hue` value, a panel per `facet`.

    A numeric `x` gets lines with interval bands; categories get points with error bars, the
    `hue` values dodged side by side. A point with fewer values than runs is marked
    ``n=k/runs``; when some runs never got there (+inf), a second row shows the share that did.
    The subtitle names what is pooled over and how many runs each point has.
    """
    plt = pyplot()
    stats = line_stats(df, metric, x, hue, facet)
    rows = [ROWS] + [RECOVERED_ROWS] * has_never(df[metric])
    panels, hues = values(df, facet), values(df, hue)
    fig, axes = plt.subplots(
        len(rows),
        len(panels),
        figsize=(4.2 * len(panels) + 1, 3.2 * len(rows) + 0.6),
        sharey="row",
        squeeze=False,
    )
    numeric = is_numeric(df[x])
    xs = sorted(df[x].unique())
    for col, panel in enumerate(panels):
        sub = stats if facet is None else stats[stats[facet] == panel]
        for label, line in sub.groupby(hue) if hue else [(None, sub)]:
            k = hues.index(label)
            line = line.sort_values(x)
            pos = np.asarray(line[x] if numeric else [xs.index(v) for v in line[x]], dtype=float)
            if not numeric and len(hues) > 1:
                pos += DODGE * (k / (len(hues) - 1) - 0.5)
            style = dict(marker=MARKERS[k % len(MARKERS)], linestyle=DASHES[k % len(DASHES)])
            style.update(color=f"C{k}", label=hue and f"{hue}={label}")
            for row, cols in enumerate(rows):
                _draw(axes[row][col], pos, line, cols, numeric, dict(style))
            _mark_fewer(axes[0][col], pos, line, k, f"C{k}")
        for ax in axes[:, col]:
            _format_x(ax, numeric, xs)
        axes[-1][col].set_xlabel(x)
        axes[0][col].set_title(f"{facet} = {panel}" if facet else "", fontsize=10)
    kind = "share, Wilson" if is_proportion(df[metric]) else "mean, t"
    axes[0][0].set_ylabel(f"{metric} ({kind} 95 % CI)")
    if is_proportion(df[metric]):
        axes[0][0].set_ylim(-0.05, 1.05)  # a share: the whole [0, 1] range, as the second row
    if len(rows) > 1:
        axes[1][0].set_ylabel("recovered (share, 95 % CI)")
        axes[1][0].set_ylim(-0.05, 1.05)
    if hue:
        axes[0][-1].legend(fontsize=8, loc="best")
    pool = pooled(df, [x, hue, facet], swept)
    fig.suptitle(f"{metric} vs {x}\n{subtitle(pool, stats)}", fontsize=10)
    fig.tight_layout()
    return fig


def _mark_fewer(ax, pos: np.ndarray, line: pd.DataFrame, k: int, color: str) -> None:
    """Mark each point that stands on fewer runs than were made: ``n=k/runs`` or ``never``."""
    for p, n, runs, never in zip(pos, line["n"], line["runs"], line["never"], strict=True):
        if n < runs:
            ax.annotate(
                f"never {never}/{n + never}" if never else f"n={n}/{runs}",
                (p, 0.03 + 0.07 * k),
                xycoords=("data", "axes fraction"),
                ha="center",
                fontsize=6,
                color=color,
            )


def heatmap_figure(
    df: pd.DataFrame,
    metric: str,
    x: str,
    y: str,
    facet: str | None = None,
    swept: list[str] | None = None,
):
    """Mean (or share) of `metric` over the (`x`, `y`) grid, one panel per `facet` value.

    A cell says how many of its runs never got there (``never k/n``) or lack a value (``n=k/n``);
    a cell without any finite value is grey, not blank.
    """
    plt = pyplot()
    stats = summarise(df, [c for c in (facet, y, x) if c], metric, is_proportion(df[metric]))
    panels = values(df, facet)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.8 * len(panels) + 1.2, 4.0), squeeze=False, layout="constrained"
    )
    grids = []
    for panel in panels:
        sub = stats if facet is None else stats[stats[facet] == panel]
        grids.append(
            {c: sub.pivot(index=y, columns=x, values=c) for c in ("mean", "n", "runs", "never")}
        )
    flat = np.concatenate([g["mean"].to_numpy(dtype=float).ravel() for g in grids])
    vmin, vmax = (np.nanmin(flat), np.nanmax(flat)) if np.isfinite(flat).any() else (0, 1)
    for ax, panel, grid in zip(axes[0], panels, grids, strict=True):
        table = grid["mean"]
        ax.set_facecolor("0.85")  # a cell without a finite value shows grey, with its label
        image = ax.imshow(
            table.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            cmap="viridis",
            vmin=vmin,
            vmax=vmax,
        )
        ax.set_xticks(
            range(table.shape[1]), [f"{v:g}" if _num(v) else str(v) for v in table.columns]
        )
        ax.set_yticks(range(table.shape[0]), [f"{v:g}" if _num(v) else str(v) for v in table.index])
        ax.set_xlabel(x)
        ax.set_title(f"{facet} = {panel}" if facet else "", fontsize=10)
        mid = (vmin + vmax) / 2
        for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
            text = _heat_label(v, *(grid[c].iat[i, j] for c in ("n", "runs", "never")))
            if table.size <= 64 or not np.isfinite(v):
                color = "k" if not np.isfinite(v) or v > mid else "w"  # readable on viridis
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    axes[0][0].set_ylabel(y)
    kind = "share" if is_proportion(df[metric]) else "mean"
    fig.colorbar(image, ax=axes[0].tolist(), label=f"{metric} ({kind})")
    pool = pooled(df, [x, y, facet], swept)
    fig.suptitle(f"{metric}: {kind} over {y} × {x}\n{subtitle(pool, stats)}", fontsize=10)
    return fig


def _heat_label(mean: float, n: Any, runs: Any, never: Any) -> str:
    """A heatmap cell's text: the value, then ``never k/n`` or ``n=k/runs`` if runs lack one."""
    if pd.isna(runs):
        return "no runs"
    n, runs, never = int(n), int(runs), int(never)
    value = f"{mean:.2g}" if np.isfinite(mean) else ""
    note = f"never {never}/{n + never}" if never else (f"n={n}/{runs}" if n < runs else "")
    return "\n".join(t for t in (value, note) if t) or "no value"


def _num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


# ---------------------------------------------------------------------- roles for `plot --all`
def roles(df: pd.DataFrame, swept: list[str], x: str) -> tuple[str | None, str | None]:
    """For metric-vs-`x` in ``plot --all``: the parameter drawn as lines (hue) and as panels."""
    others = sorted(
        (p for p in swept if p != x), key=lambda p: (is_numeric(df[p]), df[p].nunique())
    )
    hue = others[0] if others else None
    facets = [p for p in others[1:] if df[p].nunique() <= MAX_FACETS]
    return hue, facets[0] if facets else None


def heat_axes(df: pd.DataFrame, swept: list[str]) -> tuple[str, str, str | None] | None:
    """The two parameters of a heatmap (numeric, most values first) and a panel parameter."""
    if len(swept) < 2:
        return None
    ranked = sorted(swept, key=lambda p: (not is_numeric(df[p]), -df[p].nunique()))
    x, y = ranked[0], ranked[1]
    rest = [p for p in ranked[2:] if df[p].nunique() <= MAX_FACETS]
    rest.sort(key=lambda p: (is_numeric(df[p]), df[p].nunique()))
    return x, y, rest[0] if rest else None

"""Figures of a sampled design's results: each metric against each sampled parameter.

A sampled design (``[design] kind = "lhs" | "random" | "sobol" | "morris"``) has as many values
of each parameter as it has points, so a line per value (the grid's figures) means nothing. Here
each design point is one dot: the metric's mean over the point's seeds (a share for a true/false
metric) against the parameter's value, one panel per sampled parameter, with a binned mean
(quantile bins) over the dots to show the trend. A choice parameter is drawn by category, with a
little horizontal jitter. Runs at +inf (never recovered) are counted in the title, not
plotted. Which parameters *matter* is `swarm-sim analyze`'s job; this shows how.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.research.figures import is_numeric, pyplot

BINS = 6  # quantile bins of the trend line
PANELS_PER_ROW = 3


def point_means(df: pd.DataFrame, metric: str, ranged: list[str]) -> pd.DataFrame:
    """One row per design point: its parameter values, the metric's finite mean and counts."""
    values = pd.to_numeric(df[metric].astype(float), errors="coerce")
    frame = df[ranged].assign(_v=values.where(np.isfinite(values)), _inf=np.isposinf(values))
    grouped = frame.groupby(ranged, dropna=False, sort=False)
    out = grouped["_v"].agg(["mean", "count"]).join(grouped["_inf"].sum().rename("never"))
    return out.reset_index()


def design_figure(df: pd.DataFrame, metric: str, ranged: list[str], kind: str = ""):
    """`metric` against each parameter in `ranged`: a dot per design point and a binned trend."""
    plt = pyplot()
    points = point_means(df, metric, ranged)
    rows = math.ceil(len(ranged) / PANELS_PER_ROW)
    cols = min(len(ranged), PANELS_PER_ROW)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    rng = np.random.default_rng(0)  # jitter of categories only: the data are not resampled
    for ax, name in zip(axes.flat, ranged, strict=False):
        shown = points.dropna(subset=["mean"])
        if is_numeric(points[name]):
            x = shown[name].astype(float).to_numpy()
            ax.scatter(x, shown["mean"], s=12, alpha=0.6)
            if shown[name].nunique() > BINS:  # many values: a trend over quantile bins
                bins = pd.qcut(shown[name].astype(float), BINS, duplicates="drop")
                trend = shown.groupby(bins, observed=True).agg(x=(name, "mean"), y=("mean", "mean"))
                ax.plot(trend["x"], trend["y"], color="black", lw=1.5, label="binned mean")
            else:  # a few levels (e.g. Morris): the mean at each level
                means = shown.groupby(shown[name].astype(float))["mean"].mean()
                ax.scatter(means.index, means, marker="_", s=400, color="black", label="mean")
        else:
            cats = list(dict.fromkeys(points[name].astype(str)))
            pos = shown[name].astype(str).map(cats.index).to_numpy(dtype=float)
            ax.scatter(pos + rng.uniform(-0.15, 0.15, len(pos)), shown["mean"], s=12, alpha=0.6)
            means = shown.groupby(shown[name].astype(str))["mean"].mean()
            ax.scatter(
                range(len(cats)),
                [means.get(c, np.nan) for c in cats],
                marker="_",
                s=400,
                color="black",
                label="mean",
            )
            ax.set_xticks(range(len(cats)), cats)
            ax.locator_params(axis="x", nbins=4)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(ranged) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel(f"{metric} (mean over seeds)")
    seeds = int((points["count"] + points["never"]).max()) if len(points) else 0
    never = int(points["never"].sum())
    each = "one run each" if seeds == 1 else f"each the mean of up to {seeds} seeds"
    fig.suptitle(  # points that map to one setting share a run, hence a dot: settings, not points
        f"{metric} over a {kind or 'sampled'} design: {len(points)} distinct settings, one dot "
        f"each ({each}); other parameters vary at the same time"
        + (f"\nnever reached (inf, not drawn): {never} runs" if never else ""),
        fontsize=9,
    )
    fig.tight_layout()
    return fig

"""Figures and tables from a sweep's results: means with bootstrap 95 % confidence intervals.

For every summary metric (the column names of `SwarmModel.summary()`), `plot_command` draws the
metric against each swept parameter, one line per value of another swept parameter (and one panel
per value of a third, when there is one); a heatmap of the mean over two swept parameters; and a
Markdown table of means and intervals per grid point. Intervals are percentile bootstraps of the
mean over seeds (Efron & Tibshirani 1993, ch. 13) with a fixed generator, so the same results
always give the same figures. Non-finite values (a run that never recovered has
``max_recovery_steps = inf``; a failed mission has no ``completion_time``) are left out of a mean,
and the table says how many runs remain.

Only this module imports matplotlib (with the Agg backend); the model never does.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.params import field_names
from sim.research.provenance import PROVENANCE_FILE
from sim.research.results import STATUS_COLUMNS, SUMMARY_FILE

N_BOOT = 1000  # bootstrap resamples
BOOT_SEED = 0  # fixed: the same table gives the same intervals
MAX_FACETS = 6  # a third parameter with more values than this is pooled instead
MARKERS, DASHES = "osD^v", ("-", "--", ":", "-.")  # overlapping lines stay distinguishable
LOG_RATIO = 50  # a numeric axis spanning this factor or more is drawn on a log scale
FIGURE_DIR = "figures"
TABLE_FILE = "table.md"


# ---------------------------------------------------------------------- statistics
def bootstrap_ci(values: Any, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> tuple[float, ...]:
    """Mean and percentile-bootstrap 95 % interval of the finite values: (mean, lo, hi, n)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (math.nan, math.nan, math.nan, 0)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), (n_boot, len(v)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return (float(v.mean()), float(lo), float(hi), len(v))


def summarise(df: pd.DataFrame, by: list[str], metric: str) -> pd.DataFrame:
    """One row per combination of `by`: mean, lo, hi, n (finite values) and runs."""
    rows = []
    groups = df.groupby(by, sort=True, dropna=False) if by else [((), df)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        mean, lo, hi, n = bootstrap_ci(group[metric])
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "mean": mean,
                "lo": lo,
                "hi": hi,
                "n": n,
                "runs": len(group),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- reading results
def load_results(folder: str | Path) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The finished runs of a sweep, its swept parameters and its metric names.

    Raises:
        FileNotFoundError: when the folder holds no ``summary.csv``.
        ValueError: when no run finished successfully.
    """
    folder = Path(folder)
    df = pd.read_csv(folder / SUMMARY_FILE)
    prov_path = folder / PROVENANCE_FILE
    prov = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
    metrics = prov.get("columns", {}).get("summary") or _guess_metrics(df)
    # A linked axis "a,b" is plotted against its first parameter.
    axes = prov.get("experiment", {}).get("sweep", {})
    swept = [key.split(",")[0].strip() for key in axes] or _guess_swept(df)
    df = df[df["status"] == "ok"].copy()
    if df.empty:
        raise ValueError(f"{folder}: no successful runs to plot")
    for m in metrics:
        df[m] = pd.to_numeric(df[m].astype(object).replace({True: 1, False: 0}), errors="coerce")
    usable = [m for m in metrics if np.isfinite(df[m].to_numpy(dtype=float)).any()]
    return df, swept, usable


def _guess_metrics(df: pd.DataFrame) -> list[str]:
    skip = {*field_names(), "seed", *STATUS_COLUMNS}
    return [c for c in df.columns if c not in skip]


def _guess_swept(df: pd.DataFrame) -> list[str]:
    return [c for c in field_names() if c in df and df[c].nunique(dropna=False) > 1]


# ---------------------------------------------------------------------- figures
def _plt():
    import matplotlib  # deferred: slow to import, and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: likewise, once the backend is chosen

    return plt


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def roles(df: pd.DataFrame, swept: list[str], x: str) -> tuple[str | None, str | None]:
    """For metric-vs-`x`: the parameter drawn as lines (hue) and the one drawn as panels."""
    others = sorted(
        (p for p in swept if p != x), key=lambda p: (_is_numeric(df[p]), df[p].nunique())
    )
    hue = others[0] if others else None
    facets = [p for p in others[1:] if df[p].nunique() <= MAX_FACETS]
    return hue, facets[0] if facets else None


def line_figure(
    df: pd.DataFrame, metric: str, x: str, hue: str | None = None, facet: str | None = None
):
    """`metric` against `x`: mean and 95 % CI, a line per `hue` value, a panel per `facet`."""
    plt = _plt()
    panels = sorted(df[facet].unique()) if facet else [None]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 1, 3.6), sharey=True, squeeze=False
    )
    numeric = _is_numeric(df[x])
    xs = sorted(df[x].unique())
    for ax, panel in zip(axes[0], panels, strict=True):
        sub = df if facet is None else df[df[facet] == panel]
        stats = summarise(sub, [x] + ([hue] if hue else []), metric)
        for k, (label, line) in enumerate(stats.groupby(hue) if hue else [(None, stats)]):
            line = line.sort_values(x)
            pos = line[x] if numeric else [xs.index(v) for v in line[x]]
            style = dict(marker=MARKERS[k % len(MARKERS)], linestyle=DASHES[k % len(DASHES)])
            ax.plot(pos, line["mean"], label=None if hue is None else f"{hue}={label}", **style)
            ax.fill_between(pos, line["lo"], line["hi"], alpha=0.12)
        if not numeric:
            ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        if numeric and min(xs) > 0 and max(xs) / min(xs) >= LOG_RATIO:
            ax.set_xscale("log")  # e.g. group sizes 10 … 1000
        if numeric and len(xs) <= 8:
            ax.set_xticks(xs, [f"{v:g}" for v in xs])
            ax.minorticks_off()
        ax.set_xlabel(x)
        ax.set_title(f"{facet} = {panel}" if facet else "", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"{metric} (mean, 95 % CI)")
    if hue:
        axes[0][-1].legend(fontsize=8, loc="best")
    fig.suptitle(f"{metric} vs {x}", fontsize=11)
    fig.tight_layout()
    return fig


def heatmap_figure(df: pd.DataFrame, metric: str, x: str, y: str, facet: str | None = None):
    """Mean of `metric` over the (`x`, `y`) grid, one panel per `facet` value."""
    plt = _plt()
    panels = sorted(df[facet].unique()) if facet else [None]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.8 * len(panels) + 1.2, 3.6), squeeze=False, layout="constrained"
    )
    means = []
    for panel in panels:
        sub = df if facet is None else df[df[facet] == panel]
        table = sub.groupby([y, x])[metric].agg(_finite_mean).unstack(x)
        means.append(table)
    flat = np.concatenate([t.to_numpy().ravel() for t in means])
    vmin, vmax = (np.nanmin(flat), np.nanmax(flat)) if np.isfinite(flat).any() else (0, 1)
    for ax, panel, table in zip(axes[0], panels, means, strict=True):
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
            if np.isfinite(v) and table.size <= 64:
                color = "k" if v > mid else "w"  # readable on viridis' light and dark ends
                ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7, color=color)
    axes[0][0].set_ylabel(y)
    fig.colorbar(image, ax=axes[0].tolist(), label=f"{metric} (mean)")
    fig.suptitle(f"{metric}: mean over {y} × {x}", fontsize=11)
    return fig


def _num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _finite_mean(values: Any) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def heat_axes(df: pd.DataFrame, swept: list[str]) -> tuple[str, str, str | None] | None:
    """The two parameters of a heatmap (numeric, most values first) and a panel parameter."""
    if len(swept) < 2:
        return None
    ranked = sorted(swept, key=lambda p: (not _is_numeric(df[p]), -df[p].nunique()))
    x, y = ranked[0], ranked[1]
    rest = [p for p in ranked[2:] if df[p].nunique() <= MAX_FACETS]
    rest.sort(key=lambda p: (_is_numeric(df[p]), df[p].nunique()))
    return x, y, rest[0] if rest else None


# ---------------------------------------------------------------------- table
def markdown_table(df: pd.DataFrame, swept: list[str], metrics: list[str]) -> str:
    """Means and 95 % intervals of every metric per grid point, as a Markdown table."""
    header = [*swept, "runs", *metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    stats = {m: summarise(df, swept, m) for m in metrics}
    first = stats[metrics[0]] if metrics else summarise(df, swept, "seed")
    for i, row in first.reset_index(drop=True).iterrows():
        cells = [str(row[p]) for p in swept] + [str(int(row["runs"]))]
        for m in metrics:
            s = stats[m].iloc[i]
            cells.append(_cell(s))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(s: pd.Series) -> str:
    if s["n"] == 0:
        return "–"
    text = f"{s['mean']:.3g} [{s['lo']:.3g}, {s['hi']:.3g}]"
    return text if s["n"] == s["runs"] else f"{text} (n={int(s['n'])})"


# ---------------------------------------------------------------------- command
def plot_all(folder: str | Path, only: list[str] | None = None) -> list[Path]:
    """Write the figures (of every metric, or those in `only`) and the table for a folder.

    Returns:
        The files written: PNG figures, then the Markdown table.
    """
    plt = _plt()
    folder = Path(folder)
    df, swept, metrics = load_results(folder)
    metrics = [m for m in metrics if only is None or m in only]
    fig_dir = folder / FIGURE_DIR
    fig_dir.mkdir(exist_ok=True)
    written = []
    heat = heat_axes(df, swept)
    for metric in metrics:
        for x in swept or []:
            hue, facet = roles(df, swept, x)
            written.append(
                _save(
                    plt, line_figure(df, metric, x, hue, facet), fig_dir / f"{metric}__vs__{x}.png"
                )
            )
        if heat:
            written.append(
                _save(plt, heatmap_figure(df, metric, *heat), fig_dir / f"{metric}__heatmap.png")
            )
    table = folder / TABLE_FILE
    table.write_text(
        f"# {folder.name}: mean [95 % CI] over seeds\n\n" + markdown_table(df, swept, metrics),
        encoding="utf-8",
    )
    return [*written, table]


def _save(plt, fig, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_command(args) -> int:
    """``swarm-sim plot DIR``: figures in DIR/figures and a table in DIR/table.md."""
    folder = Path(args.dir)
    if not (folder / SUMMARY_FILE).exists():
        raise FileNotFoundError(f"{folder / SUMMARY_FILE} not found; run `swarm-sim sweep` first")
    files = plot_all(folder)
    print(f"{len(files) - 1} figures in {folder / FIGURE_DIR}, table in {folder / TABLE_FILE}")
    return 0

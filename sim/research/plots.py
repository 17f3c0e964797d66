"""Figures and tables from a sweep's results: every point with its interval and its run count.

For every summary metric (the column names of `SwarmModel.summary()`), `plot_command` draws the
metric against each swept parameter, one line per value of another swept parameter (and one panel
per value of a third, when there is one); a heatmap over two swept parameters; and a Markdown
table per grid point. All of them come from one aggregation, `sim.research.stats.summarise`:
Wilson intervals for proportions, Student t intervals for means. Nothing vanishes silently: each
figure names the dimensions it pools over (``pooled over: seed, message_loss``) and marks a point
that stands on fewer runs than the others; a metric with runs at +inf (``max_recovery_steps``
of a run that never recovered) gets a second row with the share of runs that recovered, a
heatmap cell says ``never k/n``, and the table says ``never: k/n``.

Only this module imports matplotlib (with the Agg backend); the model never does.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.params import field_names
from sim.research.provenance import PROVENANCE_FILE
from sim.research.results import STATUS_COLUMNS, SUMMARY_FILE
from sim.research.stats import cell_text, has_never, is_proportion, summarise

MAX_FACETS = 6  # a third parameter with more values than this is pooled instead
MARKERS, DASHES = "osD^v", ("-", "--", ":", "-.")  # overlapping lines stay distinguishable
LOG_RATIO = 50  # a numeric axis spanning this factor or more is drawn on a log scale
FIGURE_DIR = "figures"
TABLE_FILE = "table.md"


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
        text = df[m].astype(str)
        if text.isin(["True", "False"]).all():
            df[m] = text == "True"  # a proportion (Wilson intervals)
        else:
            df[m] = pd.to_numeric(df[m], errors="coerce")
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


def pooled(df: pd.DataFrame, shown: list[str | None], swept: list[str] | None = None) -> list[str]:
    """The dimensions a figure pools over: the seed and every swept parameter it does not show."""
    swept = _guess_swept(df) if swept is None else swept
    return ["seed", *(p for p in swept if p not in shown)]


def _subtitle(pool: list[str], stats: pd.DataFrame) -> str:
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


def _format_x(ax, numeric: bool, xs: list) -> None:
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    if numeric and min(xs) > 0 and max(xs) / min(xs) >= LOG_RATIO:
        ax.set_xscale("log")  # e.g. group sizes 10 … 1000
    if numeric and len(xs) <= 8:
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
        ax.minorticks_off()
    ax.grid(alpha=0.3)


def line_figure(
    df: pd.DataFrame,
    metric: str,
    x: str,
    hue: str | None = None,
    facet: str | None = None,
    swept: list[str] | None = None,
):
    """`metric` against `x` with 95 % intervals, a line per `hue` value, a panel per `facet`.

    A point with fewer values than runs is marked ``n=k/runs``; when some runs never got there
    (+inf), a second row shows the share that did. The subtitle names what is pooled over.
    """
    plt = _plt()
    stats = line_stats(df, metric, x, hue, facet)
    rows = [("mean", "lo", "hi")] + [("recovered", "recovered_lo", "recovered_hi")] * has_never(
        df[metric]
    )
    panels = sorted(df[facet].unique()) if facet else [None]
    fig, axes = plt.subplots(
        len(rows),
        len(panels),
        figsize=(4.2 * len(panels) + 1, 3.2 * len(rows) + 0.6),
        sharey="row",
        squeeze=False,
    )
    numeric = _is_numeric(df[x])
    xs = sorted(df[x].unique())
    for col, panel in enumerate(panels):
        sub = stats if facet is None else stats[stats[facet] == panel]
        for k, (label, line) in enumerate(sub.groupby(hue) if hue else [(None, sub)]):
            line = line.sort_values(x)
            pos = np.asarray(line[x] if numeric else [xs.index(v) for v in line[x]], dtype=float)
            style = dict(marker=MARKERS[k % len(MARKERS)], linestyle=DASHES[k % len(DASHES)])
            for row, (mid, lo, hi) in enumerate(rows):
                ax = axes[row][col]
                (drawn,) = ax.plot(pos, line[mid], label=hue and f"{hue}={label}", **style)
                ax.fill_between(pos, line[lo], line[hi], alpha=0.12, color=drawn.get_color())
            for p, n, runs, never in zip(pos, line["n"], line["runs"], line["never"], strict=True):
                if n < runs:  # this point stands on fewer runs than were made
                    axes[0][col].annotate(
                        f"never {never}/{n + never}" if never else f"n={n}/{runs}",
                        (p, 0.03 + 0.07 * k),
                        xycoords=("data", "axes fraction"),
                        ha="center",
                        fontsize=6,
                        color=drawn.get_color(),
                    )
        for ax in axes[:, col]:
            _format_x(ax, numeric, xs)
        axes[-1][col].set_xlabel(x)
        axes[0][col].set_title(f"{facet} = {panel}" if facet else "", fontsize=10)
    kind = "share, Wilson" if is_proportion(df[metric]) else "mean, t"
    axes[0][0].set_ylabel(f"{metric} ({kind} 95 % CI)")
    if len(rows) > 1:
        axes[1][0].set_ylabel("recovered (share, 95 % CI)")
        axes[1][0].set_ylim(-0.05, 1.05)
    if hue:
        axes[0][-1].legend(fontsize=8, loc="best")
    pool = pooled(df, [x, hue, facet], swept)
    fig.suptitle(f"{metric} vs {x}\n{_subtitle(pool, stats)}", fontsize=10)
    fig.tight_layout()
    return fig


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
    plt = _plt()
    stats = summarise(df, [c for c in (facet, y, x) if c], metric, is_proportion(df[metric]))
    panels = sorted(df[facet].unique()) if facet else [None]
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
    fig.suptitle(f"{metric}: {kind} over {y} × {x}\n{_subtitle(pool, stats)}", fontsize=10)
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
TABLE_NOTE = (
    "Shares (true/false metrics) have Wilson 95 % intervals and (k/n); means have Student t 95 %"
    " intervals and (n=…), the runs with a finite value; `never: k/n` counts runs that never"
    " recovered (inf)."
)


def markdown_table(df: pd.DataFrame, swept: list[str], metrics: list[str]) -> str:
    """Every metric per grid point (mean or share, 95 % interval, n, never), as Markdown."""
    header = [*swept, "runs", *metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    stats = {m: summarise(df, swept, m, is_proportion(df[m])) for m in metrics}
    first = stats[metrics[0]] if metrics else summarise(df, swept, "seed", False)
    for i, row in first.reset_index(drop=True).iterrows():
        cells = [str(row[p]) for p in swept] + [str(int(row["runs"]))]
        cells += [cell_text(stats[m].iloc[i], is_proportion(df[m])) for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
            fig = line_figure(df, metric, x, hue, facet, swept)
            written.append(_save(plt, fig, fig_dir / f"{metric}__vs__{x}.png"))
        if heat:
            fig = heatmap_figure(df, metric, *heat, swept=swept)
            written.append(_save(plt, fig, fig_dir / f"{metric}__heatmap.png"))
    table = folder / TABLE_FILE
    title = f"# {folder.name}: mean or share [95 % CI] per grid point, pooled over: seed\n\n"
    table.write_text(
        title + TABLE_NOTE + "\n\n" + markdown_table(df, swept, metrics), encoding="utf-8"
    )
    return [*written, table]


def _save(plt, fig, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def missing_runs(folder: str | Path) -> tuple[int, int]:
    """(missing, planned) runs of a sweep, by its plan in ``provenance.json`` ((0, 0): none)."""
    folder = Path(folder)
    prov_path = folder / PROVENANCE_FILE
    exp = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
    exp = exp.get("experiment", {})
    if "seeds" not in exp:
        return (0, 0)
    planned = len(exp["seeds"]) * math.prod(len(v) for v in (exp.get("sweep") or {}).values())
    done = pd.read_csv(folder / SUMMARY_FILE, usecols=["run_id"])["run_id"].nunique()
    return (max(planned - done, 0), planned)


def plot_command(args) -> int:
    """``swarm-sim plot DIR``: figures in DIR/figures and a table in DIR/table.md.

    On an incomplete sweep, first a one-line warning on stderr with the number of missing runs.
    """
    folder = Path(args.dir)
    if not (folder / SUMMARY_FILE).exists():
        raise FileNotFoundError(f"{folder / SUMMARY_FILE} not found; run `swarm-sim sweep` first")
    missing, planned = missing_runs(folder)
    if missing:
        print(
            f"warning: incomplete sweep: {missing} of {planned} runs missing; figures and table"
            " show the finished ones (`swarm-sim sweep FILE --resume` completes it)",
            file=sys.stderr,
        )
    files = plot_all(folder)
    print(f"{len(files) - 1} figures in {folder / FIGURE_DIR}, table in {folder / TABLE_FILE}")
    return 0

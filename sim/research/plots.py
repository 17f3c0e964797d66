"""``swarm-sim plot``: a few figures that answer the experiment's question, and the full table.

`plot_all` reads a sweep's results folder and draws what `sim.research.plotspec` chooses (the
command line's ``--metric``, ``--x``, ``--hue``, ``--facet``, ``--timeseries``; else the
experiment file's ``[plot]`` table; else a small default): each metric against ``x``
(`sim.research.figures.line_figure`: lines with bands for a number, points with error bars for
categories) and, when the sweep kept time series, each chosen reporter's mean ± interval
trajectory (`sim.research.trajectories`). ``--all`` draws every metric against every swept
parameter, heatmaps and every stored series, as the command once did by default. The Markdown
table (``table.md``) always lists every metric per grid point. Figures, trajectories and the
table all come from one aggregation, `sim.research.stats.summarise`, so they never disagree.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from sim.params import field_names
from sim.research import plotspec
from sim.research.design_figures import design_figure
from sim.research.figures import heat_axes, heatmap_figure, line_figure, pyplot, roles
from sim.research.figures import swept_columns as _guess_swept
from sim.research.plan import missing_runs
from sim.research.plotspec import PlotPlan
from sim.research.provenance import EXPERIMENT_FILE, PROVENANCE_FILE
from sim.research.results import STATUS_COLUMNS, SUMMARY_FILE, summary_fields
from sim.research.stats import cell_text, is_proportion, summarise
from sim.research.trajectories import load_series, stored_columns, trajectory_figure

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
    ranged = list((prov.get("experiment", {}).get("design") or {}).get("ranges", {}))
    swept = [key.split(",")[0].strip() for key in axes] or ranged or _guess_swept(df)
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


# ---------------------------------------------------------------------- choosing
def declared_plot(folder: str | Path) -> dict | None:
    """The ``[plot]`` table of the experiment file copied into the results folder (or None)."""
    path = Path(folder) / EXPERIMENT_FILE
    if not path.exists():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("plot")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read its [plot] table: {exc}") from None


def make_plan(
    folder: str | Path,
    df: pd.DataFrame,
    swept: list[str],
    usable: list[str],
    options: dict | None = None,
) -> tuple[PlotPlan, list[str]]:
    """What to draw for these results, and notes on declared figures that cannot be drawn.

    Args:
        folder: The results folder (its ``[plot]`` table and stored series).
        df: The finished runs, as `load_results` returns them.
        swept: The swept parameters, as `load_results` returns them.
        usable: The metrics with a finite value, as `load_results` returns them.
        options: ``metric``, ``timeseries`` (lists of names or comma lists), ``x``, ``hue``,
            ``facet`` and ``all``, as on the command line (missing: not given).

    Raises:
        ValueError: one line naming the option (or ``[plot]`` key) and its allowed values.
    """
    opts = options or {}
    known = [m for m in summary_fields() if m in df] or usable
    stored = stored_columns(folder)
    raw = declared_plot(folder)
    try:
        declared = {} if raw is None else plotspec.parse_plot(raw, swept, known, stored)
    except ValueError as exc:
        raise ValueError(f"{Path(folder) / EXPERIMENT_FILE}: {exc}") from None
    given = {r: opts.get(r) for r in plotspec.ROLES}
    metrics, series = plotspec.names(opts.get("metric")), plotspec.names(opts.get("timeseries"))
    if opts.get("all"):
        used = [f"--{r}" for r, v in given.items() if v is not None]
        if used:
            raise ValueError(f"{used[0]}: --all chooses its own axes; drop {used[0]} or --all")
        chosen = (
            plotspec.choose_metrics(metrics, None, usable, known, usable)[0] if metrics else usable
        )
        return PlotPlan(tuple(chosen), None, None, None, tuple(series or stored)), []
    counts = {p: int(df[p].nunique()) for p in swept}
    axes = plotspec.choose_roles(given, declared, swept, counts)
    varying = [m for m in usable if df[m].astype(float).nunique() > 1]
    chosen, notes = plotspec.choose_metrics(
        metrics, declared.get("metrics"), usable, known, varying
    )
    if series and not metrics:  # --timeseries alone: only the trajectories it names
        chosen, notes = [], []
    series = plotspec.choose_series(series, declared.get("timeseries"), stored, bool(metrics))
    return PlotPlan(tuple(chosen), axes["x"], axes["hue"], axes["facet"], tuple(series)), notes


# ---------------------------------------------------------------------- command
def plot_all(
    folder: str | Path, options: dict | None = None, notes: list[str] | None = None
) -> list[Path]:
    """Write the chosen figures and the table for a results folder (see `make_plan`).

    Args:
        folder: A results folder written by ``swarm-sim sweep``.
        options: As for `make_plan` (none: ``[plot]`` or the default set).
        notes: When given, receives notes on declared figures that could not be drawn.

    Returns:
        The files written: PNG figures, then the Markdown table.
    """
    plt = pyplot()
    folder = Path(folder)
    df, swept, usable = load_results(folder)
    design = sampled_design(folder)
    if design:
        return _plot_design(folder, df, swept, usable, design, options or {}, notes)
    plan, said = make_plan(folder, df, swept, usable, options)
    exhaustive = bool((options or {}).get("all"))
    if plan.metrics and not plan.x and not exhaustive:
        said.append("nothing is swept, so no metric is drawn against a parameter; see the table")
    if notes is not None:
        notes.extend(said)
    fig_dir = folder / FIGURE_DIR
    fig_dir.mkdir(exist_ok=True)
    written = []
    for metric in plan.metrics:
        figures = _every_figure(df, swept, metric) if exhaustive else []
        if not exhaustive and plan.x:
            figures = [
                (f"vs__{plan.x}", line_figure(df, metric, plan.x, plan.hue, plan.facet, swept))
            ]
        for name, fig in figures:
            written.append(_save(plt, fig, fig_dir / f"{metric}__{name}.png"))
    if plan.series:
        series = load_series(folder, df[["run_id", "seed", *swept]], list(plan.series))
        # --all: lines by the parameter `roles` would draw as lines, panels by the next one
        hue, facet = (plan.hue, plan.facet) if not exhaustive else roles(df, swept, "")
        for reporter in plan.series:
            fig = trajectory_figure(series, reporter, hue, facet, swept)
            written.append(_save(plt, fig, fig_dir / f"{reporter}__over__steps.png"))
    return [*written, _write_table(folder, df, swept, usable)]


def _write_table(folder: Path, df: pd.DataFrame, swept: list[str], usable: list[str]) -> Path:
    table = folder / TABLE_FILE
    title = f"# {folder.name}: mean or share [95 % CI] per grid point, pooled over: seed\n\n"
    metrics = [m for m in summary_fields() if m in usable] or usable
    table.write_text(
        title + TABLE_NOTE + "\n\n" + markdown_table(df, swept, metrics), encoding="utf-8"
    )
    return table


def sampled_design(folder: str | Path) -> dict | None:
    """The sampled design a results folder was swept with (None for a grid)."""
    prov_path = Path(folder) / PROVENANCE_FILE
    if not prov_path.exists():
        return None
    prov = json.loads(prov_path.read_text(encoding="utf-8"))
    design = prov.get("experiment", {}).get("design")
    return design if design and design.get("kind", "grid") != "grid" else None


def _plot_design(folder, df, ranged, usable, design, options, notes) -> list[Path]:
    """A sampled design: each metric against every sampled parameter, a dot per design point."""
    given = [f"--{r}" for r in plotspec.ROLES if options.get(r) is not None]
    if given or options.get("all"):
        flag = given[0] if given else "--all"
        raise ValueError(
            f"{flag}: a sampled design is drawn against every sampled parameter at once "
            f"({', '.join(ranged)}); drop {flag} (`swarm-sim analyze` ranks them)"
        )
    plan, said = make_plan(folder, df, [], usable, {**options, **dict.fromkeys(plotspec.ROLES)})
    if notes is not None:
        notes.extend(n for n in said if "nothing is swept" not in n)
    fig_dir = folder / FIGURE_DIR
    fig_dir.mkdir(exist_ok=True)
    plt = pyplot()
    written = [
        _save(plt, design_figure(df, m, ranged, design["kind"]), fig_dir / f"{m}__design.png")
        for m in plan.metrics
    ]
    if plan.series:
        series = load_series(folder, df[["run_id", "seed", *ranged]], list(plan.series))
        for reporter in plan.series:
            fig = trajectory_figure(series, reporter, None, None, ranged)
            written.append(_save(plt, fig, fig_dir / f"{reporter}__over__steps.png"))
    return [*written, _write_table(folder, df, ranged, usable)]


def _every_figure(df: pd.DataFrame, swept: list[str], metric: str) -> list[tuple[str, object]]:
    """``--all``: `metric` against every swept parameter, and a heatmap (file suffix, figure)."""
    out = [(f"vs__{x}", line_figure(df, metric, x, *roles(df, swept, x), swept)) for x in swept]
    heat = heat_axes(df, swept)
    if heat:
        out.append(("heatmap", heatmap_figure(df, metric, *heat, swept=swept)))
    return out


def _save(plt, fig, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_command(args) -> int:
    """``swarm-sim plot DIR``: a few figures in DIR/figures and a table in DIR/table.md.

    On an incomplete sweep, first a one-line warning on stderr with the number of missing runs.
    Prints each file written.
    """
    folder = Path(args.dir)
    if not (folder / SUMMARY_FILE).exists():
        raise FileNotFoundError(f"{folder / SUMMARY_FILE} not found; run `swarm-sim sweep` first")
    missing, planned, exact = missing_runs(folder)
    if missing:
        count = f"{missing} of {planned}" if exact else f"at least {missing} (adaptive seeds)"
        print(
            f"warning: incomplete sweep: {count} runs missing; figures and table"
            " show the finished ones (`swarm-sim sweep FILE --resume` completes it)",
            file=sys.stderr,
        )
    options = {k: getattr(args, k, None) for k in ("metric", "timeseries", *plotspec.ROLES)}
    options["all"] = getattr(args, "all", False)
    notes: list[str] = []
    files = plot_all(folder, options, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    figures = len(files) - 1
    print(f"wrote {figures} figure{'s' * (figures != 1)} and the table:")
    for path in files:
        print(f"  {path}")
    return 0

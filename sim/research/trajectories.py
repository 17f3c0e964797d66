"""Trajectories: how a reporter evolves over the steps of a run, mean ± 95 % interval over runs.

With ``[timeseries]`` in the experiment file, a sweep keeps ``timeseries/RUN_ID.parquet`` per run
(``run_id``, the step column `sim.research.tables.STEP` and the chosen reporters). `load_series`
joins them to the runs' parameters in ``summary.csv``; `trajectory_figure` draws, per step, the
mean over runs and its Student t 95 % interval from `sim.research.stats.summarise` (the one
aggregation behind every figure and table), one line per value of a parameter (hue) and one
panel per value of another (facet); every other swept parameter, and the seed, is pooled and
named. A run that ends early (its mission done) stops contributing at its last step, so the
subtitle gives the range of runs per point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.research.figures import DASHES, pooled, pyplot, subtitle, values
from sim.research.results import SERIES_DIR
from sim.research.stats import is_proportion, summarise
from sim.research.tables import STEP

RUN_COLUMNS = ("run_id", STEP)  # the columns of a stored series that are not reporters


def series_files(folder: str | Path) -> list[Path]:
    """The stored time-series files of a results folder (none without ``[timeseries]``)."""
    return sorted((Path(folder) / SERIES_DIR).glob("*.parquet"))


def stored_columns(folder: str | Path) -> list[str]:
    """The reporters kept in a folder's time series, in file order ([] when none are stored).

    Raises:
        ValueError: when the series cannot be read (no pyarrow) or lack the step column.
    """
    files = series_files(folder)
    if not files:
        return []
    names = _read([files[0]], None).columns
    if STEP not in names:
        raise ValueError(f"{files[0]}: no {STEP} column; re-run the sweep with this version")
    return [c for c in names if c not in RUN_COLUMNS]


def load_series(folder: str | Path, runs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The stored series of the finished runs in `runs`, with each run's parameters and seed.

    Args:
        folder: A results folder.
        runs: One row per finished run (``run_id``, ``seed`` and the parameters).
        columns: The reporters to read.

    Returns:
        One row per run and kept step: the reporters, then every column of `runs`.
    """
    ids = set(runs["run_id"])
    files = [f for f in series_files(folder) if f.stem in ids]
    if not files:
        raise ValueError(f"{folder}: no stored time series belongs to a finished run")
    table = _read(files, [*RUN_COLUMNS, *columns])
    return table.merge(runs, on="run_id", how="inner", validate="many_to_one")


def _read(files: list[Path], columns: list[str] | None) -> pd.DataFrame:
    """The series in `files` stacked, each row with its ``run_id``.

    The run id is the file's name: a series keeps the run's context in the file's metadata, not
    in columns.
    """
    try:
        import pyarrow.parquet as pq  # deferred: optional, and only stored series need it
    except ImportError as exc:
        raise ValueError(f"reading the stored time series needs pyarrow ({exc})") from None
    if columns is None:
        names = pq.read_schema(files[0]).names
        return pd.DataFrame(columns=["run_id", *(n for n in names if n != "run_id")])
    wanted = [c for c in columns if c != "run_id"]
    parts = [pq.read_table(f, columns=wanted).to_pandas().assign(run_id=f.stem) for f in files]
    return pd.concat(parts, ignore_index=True)


def trajectory_stats(
    series: pd.DataFrame, reporter: str, hue: str | None = None, facet: str | None = None
) -> pd.DataFrame:
    """The table a trajectory figure is drawn from: `summarise` by panel, line and step."""
    by = [c for c in (facet, hue, STEP) if c]
    return summarise(series, by, reporter, is_proportion(series[reporter]))


def trajectory_figure(
    series: pd.DataFrame,
    reporter: str,
    hue: str | None = None,
    facet: str | None = None,
    swept: list[str] | None = None,
):
    """`reporter` over the steps: mean and 95 % band per `hue` value, a panel per `facet` value.

    The subtitle names what is pooled over (the seed and every swept parameter not shown) and
    how many runs each point stands on.
    """
    plt = pyplot()
    stats = trajectory_stats(series, reporter, hue, facet)
    panels, hues = values(series, facet), values(series, hue)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 1, 3.8), sharey=True, squeeze=False
    )
    for ax, panel in zip(axes[0], panels, strict=True):
        sub = stats if facet is None else stats[stats[facet] == panel]
        for label, line in sub.groupby(hue) if hue else [(None, sub)]:
            k = hues.index(label)
            steps = line[STEP].to_numpy(dtype=float)
            color = f"C{k}"
            ax.plot(
                steps,
                line["mean"],
                color=color,
                linestyle=DASHES[k % len(DASHES)],
                label=hue and f"{hue}={label}",
            )
            ax.fill_between(steps, line["lo"], line["hi"], alpha=0.15, color=color, lw=0)
        ax.set_xlabel(STEP)
        ax.set_title(f"{facet} = {panel}" if facet else "", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"{reporter} (mean, t 95 % CI)")
    if hue:
        axes[0][-1].legend(fontsize=8, loc="best")
    pool = pooled(series, [hue, facet], swept)
    ended = " (a run counts until it ends)" if np.ptp(stats["runs"]) else ""
    fig.suptitle(f"{reporter} over steps\n{subtitle(pool, stats)}{ended}", fontsize=10)
    fig.tight_layout()
    return fig

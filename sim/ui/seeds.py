"""The "Many seeds" card: swarm A and swarm B on 20–50 paired seeds, and the spread of outcomes.

One run on one seed is an anecdote. The card runs the page's settings (A) and its comparison
(B: A with one setting changed, from "Compare two swarms") on many seeds in worker processes
(`sim.research.paired`), with a progress bar and Cancel; the page and its live swarm keep
working meanwhile. Then it draws the spread (`spread_figure`): each run's recovery time as a
dot, the mean with its 95 % t interval, the runs that never recovered counted apart, and the
share of successful missions with its Wilson interval; the rows download as CSV.

The settings are copied when Run is pressed: changing them during the batch changes nothing.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.research.experiment import draw_seed
from sim.research.paired import (
    DEFAULT_SEEDS,
    MAX_SEEDS,
    MIN_SEEDS,
    PairedBatch,
    check_count,
    make_plan,
)
from sim.research.stats import cell_text, summarise
from sim.research.tables import table_bytes
from sim.ui.state import PageState

log = logging.getLogger(__name__)
COLOURS = {"A": ("#2f6db5", "#74a9f0"), "B": ("#e8590c", "#ff922b")}  # (light, dark) themes
INK = {False: ("#222", "#ffffff"), True: ("#ddd", "#1e1e1e")}  # dark -> (text, background)
RECOVERY = "max_recovery_steps"
SUCCESS = "mission_success"


def outcomes(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The statistics the figure shows, one row per setting (`sim.research.stats.summarise`)."""
    ok = df[df["status"] == "ok"]
    success = ok.assign(**{SUCCESS: ok[SUCCESS].astype(float)})
    return {
        RECOVERY: summarise(ok, ["setting"], RECOVERY, proportion=False),
        SUCCESS: summarise(success, ["setting"], SUCCESS, proportion=True),
    }


def present(df: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """The settings with at least one finished run (a cancelled batch may lack B)."""
    ran = set(df.loc[df["status"] == "ok", "setting"])
    return [name for name in labels if name in ran]


def spread_figure(df: pd.DataFrame, labels: dict[str, str], dark: bool = False) -> Figure:
    """Recovery time (one dot per run, mean and 95 % interval) and mission success per setting.

    Args:
        df: The batch's rows (`sim.research.paired.table`).
        labels: setting -> label ("A: election=lowest_id").
        dark: Colours for a dark page.
    """
    ink, paper = INK[dark]
    stats = {k: v.set_index("setting") for k, v in outcomes(df).items()}
    names = present(df, labels)[::-1]  # A on top
    # the sidebar's width (~250 px) at 2 pixels per screen pixel: sharp on every screen
    fig = Figure(figsize=(2.6, 1.3 + 0.8 * len(names)), dpi=200, facecolor=paper)
    rec, suc = fig.subplots(2, 1, height_ratios=[3, 2])
    ticks = []
    for row, name in enumerate(names):
        colour = COLOURS[name][dark]
        ok = df[(df["setting"] == name) & (df["status"] == "ok")]
        _strip(rec, row, ok[RECOVERY].to_numpy(dtype=float), stats[RECOVERY].loc[name], colour)
        _share(suc, row, stats[SUCCESS].loc[name], colour, ink)
        s = stats[RECOVERY].loc[name]
        ticks.append(f"{name}\nnever\n{int(s['never'])}/{int(s['n'] + s['never'])}")
    rec.set_yticks(range(len(names)), ticks, fontsize=6.5)
    suc.set_yticks(range(len(names)), names, fontsize=8)
    rec.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    suc.set_xlim(-0.02, 1.02)
    suc.set_xlabel("share of runs (Wilson 95 % CI)", fontsize=7, color=ink)
    rec.set_xlabel("one dot per run; ◆ mean, 95 % CI", fontsize=7, color=ink)
    for ax, title in ((rec, "recovery time (steps)"), (suc, "mission success")):
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.set_title(title, fontsize=8, color=ink, loc="left")
        ax.set_facecolor(paper)
        ax.tick_params(colors=ink, labelsize=7)
        for spine in ax.spines.values():
            spine.set_color(ink)
    fig.tight_layout(pad=0.4)
    return fig


def _strip(ax, row: int, values, s: pd.Series, colour: str) -> None:
    """One dot per recovered run (equal values stacked upwards), the mean and its interval below."""
    finite = values[np.isfinite(values)]
    seen: dict[float, int] = {}
    ys = []
    for v in finite:  # a dot plot: the k-th run with the same value sits k steps higher
        seen[v] = seen.get(v, -1) + 1
        ys.append(row - 0.2 + 0.1 * (seen[v] % 6))
    ax.scatter(finite, ys, s=9, color=colour, alpha=0.8, linewidths=0)
    if s["n"] >= 2:
        err = [[s["mean"] - s["lo"]], [s["hi"] - s["mean"]]]
        ax.errorbar(s["mean"], row - 0.42, xerr=err, fmt="D", ms=4, color=colour, capsize=3)


def _share(ax, row: int, p: pd.Series, colour: str, ink: str) -> None:
    """The share of successful missions with its Wilson interval, and k/n beside it."""
    if not p["n"]:
        return
    err = [[p["mean"] - p["lo"]], [p["hi"] - p["mean"]]]
    ax.errorbar(p["mean"], row, xerr=err, fmt="o", ms=5, color=colour, capsize=3, lw=1.5)
    k = round(p["mean"] * p["n"])
    x = 0.02 if p["mean"] > 0.5 else 0.98
    ax.text(
        x,
        row + 0.3,
        f"{k}/{int(p['n'])}",
        fontsize=7,
        color=ink,
        va="center",
        ha="left" if x < 0.5 else "right",
        transform=ax.get_yaxis_transform(),
    )


@solara.component
def ManySeeds(state: PageState):
    """Run / Cancel, the number of seeds, a progress bar, then the spread and a CSV download."""
    s = state.session
    state.tick.value  # noqa: B018  (the comparison shown follows the page's)
    count = solara.use_reactive(str(DEFAULT_SEEDS))
    error = solara.use_reactive("")
    progress = solara.use_reactive((0, 0))
    running = solara.use_reactive(False)
    started = solara.use_reactive(0)
    result = solara.use_reactive(None)  # (rows, labels, note) of the last batch
    holder = solara.use_memo(lambda: {"batch": None}, [])
    dark = bool(solara.lab.use_dark_effective())

    def work():
        batch = holder["batch"]
        if batch is None or batch.done:
            return
        try:
            df = batch.run(on_progress=lambda done, total: progress.set((done, total)))
        except Exception as exc:  # noqa: BLE001  (e.g. a worker process killed: report, stay up)
            log.exception("the Many seeds batch failed")
            running.set(False)
            state.message.set(f"Many seeds stopped: {type(exc).__name__}: {exc}")
            return
        seeds = batch.plan.seeds
        note = f"seeds {seeds[0]}–{seeds[-1]}"
        if batch.cancelled:
            note += f"; cancelled after {batch.done} of {batch.total} runs"
        running.set(False)  # first: the bar goes as the result comes
        result.set((df, batch.plan.labels, note))

    solara.lab.use_task(work, dependencies=[started.value], prefer_threaded=True)
    solara.use_effect(lambda: lambda: holder["batch"] and holder["batch"].cancel(), [])

    def start():
        try:
            n = check_count(count.value)
        except ValueError as exc:
            error.set(str(exc))
            return
        error.set("")
        first = s.seed if s.seed is not None else draw_seed()
        if state.guarded(lambda: holder.update(batch=PairedBatch(_plan(s, first, n)))):
            progress.set((0, holder["batch"].total))
            result.set(None)
            running.set(True)
            started.set(started.value + 1)

    def cancel():
        if holder["batch"] is not None:
            holder["batch"].cancel()

    solara.Text(_what(s), style={"font-size": "13px"})  # (Markdown would fetch mermaid.js)
    solara.InputText(
        f"number of seeds ({MIN_SEEDS}–{MAX_SEEDS})",
        value=count,
        error=error.value or False,
        disabled=running.value,
        classes=["swarm-seeds-count"],
    )
    with solara.Row(gap="6px"):
        solara.Button("Run seeds", on_click=start, disabled=running.value, color="primary")
        solara.Button("Cancel", on_click=cancel, disabled=not running.value, outlined=True)
    done, total = progress.value
    if running.value:
        with solara.Column(gap="0px", classes=["swarm-seeds-progress"]):
            solara.ProgressLinear(100 * done / total if total else True)
            starting = " (starting a worker process…)" if done == 0 else ""
            solara.Text(f"{done}/{total} runs{starting}", style={"font-size": "12px"})
    if result.value is not None:
        Spread(*result.value, dark=dark)


@solara.component
def Spread(df: pd.DataFrame, labels: dict[str, str], note: str, dark: bool):
    """The figure, one line of numbers per setting, and the CSV download."""
    with solara.Column(gap="2px", classes=["swarm-seeds-result"]):
        if note:
            solara.Text(note, style={"font-size": "12px"})
        fig = solara.use_memo(lambda: spread_figure(df, labels, dark), [id(df), dark])
        if not present(df, labels):
            return
        solara.FigureMatplotlib(fig, dependencies=[id(df), dark], format="png")  # drawn once
        stats = outcomes(df)
        for name in present(df, labels):
            label = labels[name]
            rec = stats[RECOVERY].set_index("setting").loc[name]
            suc = stats[SUCCESS].set_index("setting").loc[name]
            solara.Text(
                f"{label} — recovery (steps) {cell_text(rec)}; success {cell_text(suc, True)}",
                style={"font-size": "12px"},
                classes=["swarm-seeds-line"],
            )
        solara.FileDownload(lambda: table_bytes(df, ".csv"), "seeds.csv", label="CSV of the runs")


def _plan(session, first: int, n: int):
    """The plan from a copy of the session's settings now (A, and B if a comparison is set)."""
    with session.lock:
        return make_plan(dict(session.params), session.compare, first, n)


def _what(session) -> str:
    """What Run will do, in one sentence."""
    seed = "the seed field's value" if session.seed is not None else "a random first seed"
    if session.compare is None:
        return (
            f"No comparison set: runs A (these settings) alone, on many seeds from {seed}. "
            "Set one in Compare two swarms to run A vs B."
        )
    field, value = session.compare
    return f"A (these settings) vs B ({field}={value}) on the same seeds, from {seed}."

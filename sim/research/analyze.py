"""``swarm-sim analyze RESULTS_DIR``: sensitivity indices of every summary metric of a sweep.

Reads a results folder written by ``swarm-sim sweep`` from a ``sobol`` or ``morris`` design:
``design.csv`` (each design point's unit-cube coordinates and, per seed, its run id) and
``summary.csv``. Each metric is **averaged over the seeds of a design point**, then SALib
computes the indices (`sim.research.sensitivity`) on those means: the indices describe how the
expected metric depends on the parameters, and the seed-to-seed noise that remains in the means
shows up as a small index for every parameter, within its interval.

Undefined values are made explicit, never dropped silently: a run that never recovered its leader
(``max_recovery_steps = inf``) counts as the run's length (``steps``), and a run that never lost
its leader (NaN) as 0 steps; the derived metric ``recovered`` is 1 for a run that recovered or
never needed to, 0 for one that never did. A mission not completed counts ``completion_time`` as
the run's length. Any other metric without a value at some design point is left out, and says so.

Writes ``analysis.md`` (one table per metric) and ``figures/sensitivity-METRIC.png`` (a bar chart
with the intervals), and prints which parameters matter for mission success and recovery time.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.research.design import ANALYSABLE
from sim.research.provenance import DESIGN_FILE, PROVENANCE_FILE
from sim.research.results import SUMMARY_FILE
from sim.research.sensitivity import matters, morris_indices, noise_warning, sobol_indices

ANALYSIS_FILE = "analysis.md"
FIGURE_DIR = "figures"
RECOVERED = "recovered"  # derived: the run recovered its leader, or never lost it
HEADLINE = ("mission_success", "max_recovery_steps")  # the metrics the printed sentence names
CAPPED = {  # metric → (what inf / NaN count as, said in the table)
    "max_recovery_steps": "never recovered = the run's length, leader never lost = 0",
    "completion_time": "mission not completed = the run's length",
}
SKIP = ("steps",)  # the run length itself is not analysed by default


def load_design(folder: Path) -> dict[str, Any]:
    """The design recorded in the folder's provenance.

    Raises:
        FileNotFoundError: when the folder holds no sweep results.
        ValueError: for a grid design (nothing to analyse).
    """
    for name in (SUMMARY_FILE, PROVENANCE_FILE):
        if not (folder / name).exists():
            raise FileNotFoundError(f"{folder / name} not found; run `swarm-sim sweep` first")
    prov = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    design = prov.get("experiment", {}).get("design")
    kind = design["kind"] if design else "grid"
    if kind not in ANALYSABLE or not (folder / DESIGN_FILE).exists():
        raise ValueError(
            f"{folder} holds a {kind} sweep; analyze needs a [design] kind = 'sobol' or "
            "'morris' (see experiments/README.md)"
        )
    design["metrics"] = prov.get("columns", {}).get("summary", [])
    design["steps"] = prov["experiment"]["steps"]
    return design


def run_values(summary: pd.DataFrame, metric: str, steps: int) -> pd.Series:
    """One metric per run, with inf / NaN replaced as the module's docstring says."""
    if metric == RECOVERED:
        return (~np.isinf(summary["max_recovery_steps"].astype(float))).astype(float)
    col = summary[metric]
    if col.astype(str).isin(["True", "False"]).all():
        return col.astype(str).eq("True").astype(float)
    values = pd.to_numeric(col, errors="coerce").astype(float)
    if metric == "max_recovery_steps":
        return values.replace(np.inf, float(steps)).fillna(0.0)
    if metric == "completion_time":
        return values.fillna(float(steps))
    return values.replace([np.inf, -np.inf], np.nan)


def point_means(folder: Path, design: dict[str, Any], metrics: list[str]) -> pd.DataFrame:
    """Each metric averaged over the finished seeds of each design point, in design order.

    Raises:
        ValueError: when a design point has no finished run (the sweep is incomplete).
    """
    points = pd.read_csv(folder / DESIGN_FILE)
    summary = pd.read_csv(folder / SUMMARY_FILE)
    summary = summary[summary["status"] == "ok"].drop_duplicates("run_id").set_index("run_id")
    runs = points[points["run_id"].isin(summary.index)]
    total = points["design_point"].nunique()
    missing = total - runs["design_point"].nunique()
    if missing:
        raise ValueError(
            f"{folder}: {missing} of {total} design points have no successful run; complete the "
            "sweep first (`swarm-sim sweep FILE --resume`; failed runs are in errors.log)"
        )
    table = {m: run_values(summary, m, design["steps"]) for m in metrics}
    found = pd.DataFrame(table).loc[runs["run_id"]].set_index(runs["design_point"].to_numpy())
    return found.groupby(level=0).mean().sort_index()


def unit_points(folder: Path, names: list[str]) -> np.ndarray:
    """The design's points in the unit cube (the Morris analyser needs them), in design order."""
    points = pd.read_csv(folder / DESIGN_FILE).drop_duplicates("design_point")
    return points.sort_values("design_point")[[f"u_{n}" for n in names]].to_numpy()


def analyse(folder: str | Path, metrics: list[str] | None = None) -> dict[str, Any]:
    """Indices of each metric: ``{"design", "seeds", "indices": {metric: table}, "skipped"}``.

    Raises:
        ValueError: for a grid design, an unknown metric or an incomplete sweep.
    """
    folder = Path(folder)
    design = load_design(folder)
    known = [m for m in design["metrics"] if m not in SKIP] + [RECOVERED]
    for m in metrics or []:
        if m not in [*known, *SKIP]:
            raise ValueError(f"--metric: unknown metric {m!r} (allowed: {', '.join(known)})")
    chosen = list(dict.fromkeys(metrics or known))
    means = point_means(folder, design, chosen)
    names = list(design["ranges"])
    indices, skipped = {}, {}
    for m in chosen:
        y = means[m].to_numpy()
        if np.isnan(y).any():
            skipped[m] = f"undefined at {int(np.isnan(y).sum())} design points"
        elif np.ptp(y) == 0:
            skipped[m] = f"the same at every design point ({y[0]:g})"
        elif design["kind"] == "sobol":
            indices[m] = sobol_indices(names, y)
        else:
            indices[m] = morris_indices(names, unit_points(folder, names), y, design["levels"])
    seeds = len(pd.read_csv(folder / DESIGN_FILE)["seed"].unique())
    spread = {m: means[m].agg(["mean", "std", "min", "max"]).to_dict() for m in indices}
    return {
        "design": design,
        "seeds": seeds,
        "points": len(means),
        "indices": indices,
        "spread": spread,
        "skipped": skipped,
    }


# ---------------------------------------------------------------------- report
def _pm(value: float, conf: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.3f} ± {conf:.3f}" if not math.isnan(conf) else f"{value:.3f}"


def _spread(metric: str, report: dict[str, Any]) -> str:
    """What the indices divide up: the metric's mean and spread over the design points."""
    s = report["spread"][metric]
    capped = f" ({CAPPED[metric]})" if metric in CAPPED else ""
    return (
        f"Over the {report['points']} design points{capped}: mean {s['mean']:.4g}, standard "
        f"deviation {s['std']:.4g}, from {s['min']:.4g} to {s['max']:.4g}."
    )


def markdown(report: dict[str, Any]) -> str:
    """``analysis.md``: the design, then one table per metric (and the metrics left out)."""
    d = report["design"]
    sobol = d["kind"] == "sobol"
    what = "first-order S1 and total ST Sobol' indices" if sobol else "Morris μ* and σ"
    lines = [
        f"# Sensitivity analysis ({d['kind']} design, n = {d['n']}, seed {d['seed']})",
        "",
        f"{what} with 95 % bootstrap intervals (SALib), computed on each metric **averaged over "
        f"the {report['seeds']} seed(s) of each design point**. Parameters and ranges: "
        + ", ".join(f"`{k}` {v}" for k, v in d["ranges"].items())
        + ".",
    ]
    for metric, table in report["indices"].items():
        lines += ["", f"## {metric}", ""]
        lines += [_spread(metric, report), ""]
        head = "| parameter | S1 | ST |" if sobol else "| parameter | μ* | σ |"
        lines += [head, "|---|---|---|"]
        for name, row in table.iterrows():
            if sobol:
                cells = (_pm(row["S1"], row["S1_conf"]), _pm(row["ST"], row["ST_conf"]))
            else:
                cells = (_pm(row["mu_star"], row["mu_star_conf"]), f"{row['sigma']:.3g}")
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
        lines += ["", f"Matters: {', '.join(matters(table)) or 'none'}."]
        caution = noise_warning(table)
        lines += ["", caution] if caution else []
    if report["skipped"]:
        lines += ["", "## Not analysed", ""]
        lines += [f"- {m}: {why}" for m, why in report["skipped"].items()]
    return "\n".join(lines) + "\n"


def figure_title(metric: str, table: pd.DataFrame) -> str:
    """The bar chart's title, with a second line when seed noise leaves the indices unresolved."""
    title = f"Sensitivity of {metric} (95 % intervals)"
    if noise_warning(table):
        total = float(table["ST"].sum())
        title += f"\nunresolved: the ST add up to {total:.1f}, mostly seed noise (see analysis.md)"
    return title


def bar_figure(metric: str, table: pd.DataFrame, path: Path) -> Path:
    """A bar chart of one metric's indices with their intervals, saved to `path`."""
    import matplotlib  # deferred: slow to import, and only the figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: likewise, once the backend is chosen

    sobol = "ST" in table
    bars = [("S1", "S1_conf"), ("ST", "ST_conf")] if sobol else [("mu_star", "mu_star_conf")]
    bars += [] if sobol else [("sigma", None)]
    labels = {"S1": "first-order S1", "ST": "total ST", "mu_star": "μ*", "sigma": "σ"}
    x = np.arange(len(table))
    width = 0.8 / len(bars)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(table) + 2), 3.6), layout="constrained")
    for k, (col, conf) in enumerate(bars):
        offset = (k - (len(bars) - 1) / 2) * width
        error = table[conf] if conf else None
        ax.bar(x + offset, table[col], width, yerr=error, capsize=3, label=labels[col])
    ax.set_xticks(x, list(table.index), rotation=20, ha="right")
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylabel("Sobol' index" if sobol else f"μ*, σ ({metric} per full range)")
    ax.set_title(figure_title(metric, table))
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # clear of the bars
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def headline(report: dict[str, Any]) -> str:
    """One sentence naming the parameters that matter for mission success and recovery time."""
    parts = []
    for metric in HEADLINE:
        if metric in report["indices"]:
            found = matters(report["indices"][metric])
            noisy = (
                " (unresolved: see the caution)" if noise_warning(report["indices"][metric]) else ""
            )
            parts.append(f"{metric}: {', '.join(found) or 'none of the sampled parameters'}{noisy}")
        elif metric in report["skipped"]:
            parts.append(f"{metric}: not analysed ({report['skipped'][metric]})")
    return "Parameters that matter — " + "; ".join(parts) + "." if parts else ""


def analyze_command(args) -> int:
    """``swarm-sim analyze DIR [--metric M ...]``: analysis.md, one bar chart per metric."""
    folder = Path(args.dir)
    report = analyse(folder, args.metric)
    (folder / ANALYSIS_FILE).write_text(markdown(report), encoding="utf-8")
    for metric, table in report["indices"].items():
        bar_figure(metric, table, folder / FIGURE_DIR / f"sensitivity-{metric}.png")
    n = len(report["indices"])
    print(
        f"{n} metrics analysed → {folder / ANALYSIS_FILE}, {folder / FIGURE_DIR}/sensitivity-*.png"
    )
    if report["skipped"]:
        print(
            f"not analysed: {', '.join(report['skipped'])} (see {ANALYSIS_FILE})", file=sys.stderr
        )
    line = headline(report)
    if line:
        print(line)
    return 0

"""``swarm-sim compare RESULTS_DIR --by PARAM``: fair, paired comparisons of one parameter's levels.

A sweep runs every setting on the same seeds, so two runs that differ only in PARAM — same seed,
same value of every other parameter — met the same fault draws until PARAM made them part ways.
Such a pair is compared run against run (`sim.research.effects`): the mean paired difference
B − A with its 95 % t interval and Cohen's d_z for a number, the paired difference of shares with
Newcombe's interval and the discordant pairs for a true/false outcome. Every level is compared
with the baseline (default: the first level in the experiment file's order). The differences are
pooled over the other parameters' levels: each pair is one datum, whatever its setting.

Nothing is dropped silently. Runs without a partner (a level missing at some setting, a failed
run) are counted and reported. A run that never recovered its leader has
``max_recovery_steps = inf``: recovery times are compared among the pairs where both runs
recovered, the pairs with a never-recovered run on either side are counted, and the recovered
shares are compared as a true/false outcome (``recovered``) over the pairs where both runs lost
their leader (NaN: the leader was never lost, so there was nothing to recover).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.params import field_names
from sim.research.compare_text import sentence, text_table
from sim.research.effects import paired_difference, paired_proportions
from sim.research.experiment import axis_names
from sim.research.provenance import PROVENANCE_FILE
from sim.research.results import SUMMARY_FILE
from sim.research.tables import SUFFIXES, cell, write_table

DEFAULT_METRICS = ("mission_success", "max_recovery_steps", "leaderless_steps")
RECOVERY = "max_recovery_steps"
RECOVERED = "recovered"  # derived: the share of runs that recovered, among runs that lost a leader
NOT_COMPARED = ("steps",)  # the run length itself is no outcome
TRUE_FALSE = {"True", "False"}
MAX_LEVELS = 20  # more levels than this is a sampled range: its runs pair with almost nothing
SEPARATOR = "\x1f"  # ASCII unit separator: joins a run's cells into one pairing key


@dataclass
class Sweep:
    """The finished runs of a results folder, read for pairing.

    Attributes:
        runs: One row per successful run; parameters as the text of their cells (so equal
            settings compare equal), metrics as numbers (true/false as 1.0 / 0.0).
        params: The parameter columns.
        metrics: The metric columns (summary fields), in table order.
        proportions: The metrics that are true/false outcomes.
        failed: Runs that did not finish (status other than ok): they pair with nothing.
        axes: Each swept parameter → its levels in the experiment file's order (as cells).
        linked: Each parameter of a linked axis ("a,b") → the other parameters of that axis.
    """

    runs: pd.DataFrame
    params: list[str]
    metrics: list[str]
    proportions: set[str]
    failed: int
    axes: dict[str, list[str]]
    linked: dict[str, list[str]]


def load_sweep(folder: str | Path) -> Sweep:
    """Read ``summary.csv`` (and ``provenance.json`` when present) of a results folder.

    Raises:
        FileNotFoundError: when the folder or its summary table does not exist.
        ValueError: when no run finished successfully.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"results folder {folder} not found")
    if not (folder / SUMMARY_FILE).exists():
        raise FileNotFoundError(f"{folder / SUMMARY_FILE} not found; run `swarm-sim sweep` first")
    table = pd.read_csv(folder / SUMMARY_FILE, dtype=str, keep_default_na=False)
    if not {"status", "run_id", "seed"} <= set(table):
        raise ValueError(f"{folder / SUMMARY_FILE} is not a sweep's summary table")
    prov_path = folder / PROVENANCE_FILE
    prov = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
    columns = prov.get("columns", {})
    params = [p for p in columns.get("params") or field_names() if p in table]
    known = columns.get("summary") or [c for c in table if c not in {*params, "seed", "status"}]
    metrics = [m for m in known if m in table and m not in NOT_COMPARED]
    ok = table[table["status"] == "ok"].drop_duplicates("run_id").reset_index(drop=True)
    if ok.empty:
        raise ValueError(f"{folder}: no successful runs to compare")
    proportions = {m for m in metrics if set(ok[m]) <= TRUE_FALSE}
    for m in metrics:
        ok[m] = (ok[m] == "True").astype(float) if m in proportions else _numbers(ok[m])
    axes, linked = _axes(prov.get("experiment", {}))
    failed = int((table["status"] != "ok").sum())
    return Sweep(ok, params, metrics, proportions, failed, axes, linked)


def _numbers(col: pd.Series) -> pd.Series:
    return pd.to_numeric(col, errors="coerce").astype(float)  # "inf" stays inf, "" / nan NaN


def _axes(exp: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Levels of each swept parameter in the file's order, and the partners of linked ones."""
    axes, linked = {}, {}
    for key, values in (exp.get("sweep") or {}).items():
        names = axis_names(key)
        for i, name in enumerate(names):
            axes[name] = [str(cell(v[i] if len(names) > 1 else v)) for v in values]
            if len(names) > 1:
                linked[name] = [n for n in names if n != name]
    return axes, linked


def same_level(cell_text: str, value: str) -> bool:
    """Whether a table cell and a typed or declared value name the same level (0 equals 0.0)."""
    if cell_text == value:
        return True
    try:
        return float(cell_text) == float(value)
    except ValueError:
        return False


def levels(sweep: Sweep, param: str) -> list[str]:
    """PARAM's levels among the finished runs: in the experiment file's order, else sorted.

    Raises:
        ValueError: for a parameter that is not in the table (naming the swept ones), or that
            has one level or more than `MAX_LEVELS`.
    """
    swept = [p for p in sweep.params if sweep.runs[p].nunique() > 1]
    if param not in sweep.params:
        raise ValueError(
            f"--by: unknown parameter {param!r} (swept here: {', '.join(swept) or 'none'})"
        )
    found = list(dict.fromkeys(sweep.runs[param]))
    if len(found) < 2:
        raise ValueError(
            f"--by {param}: only one level ({found[0]}) in these results; a comparison needs two "
            f"(swept here: {', '.join(swept) or 'none'})"
        )
    if len(found) > MAX_LEVELS:
        raise ValueError(
            f"--by {param}: {len(found)} levels (a sampled range?); compare needs a parameter "
            f"with at most {MAX_LEVELS} (swept here: {', '.join(swept)})"
        )
    declared = sweep.axes.get(param, [])

    def rank(level: str) -> tuple[int, float, str]:
        where = next((i for i, v in enumerate(declared) if same_level(level, v)), len(declared))
        try:
            return (where, float(level), level)
        except ValueError:
            return (where, math.inf, level)

    return sorted(found, key=rank)


def pair_runs(sweep: Sweep, param: str, base: str, level: str) -> tuple[pd.DataFrame, int, int]:
    """Pairs of runs that differ only in `param` (`base` vs `level`), and the runs left unpaired.

    Returns:
        A frame with one row per pair, each metric twice (``METRIC_a`` for `base`, ``METRIC_b``
        for `level`); the number of `base` runs and of `level` runs without a partner.
    """
    fixed = {param, *sweep.linked.get(param, [])}
    key = [p for p in sweep.params if p not in fixed] + ["seed"]
    # One text per run: its other settings and seed, cells joined by a separator no cell holds
    # (an index over ~45 text columns took a second per side on the loaded 2-core machine).
    setting = sweep.runs[key[0]]
    for column in key[1:]:
        setting = setting + SEPARATOR + sweep.runs[column]
    sides = []
    for value in (base, level):
        chosen = sweep.runs[param] == value
        side = sweep.runs.loc[chosen, sweep.metrics].set_index(setting[chosen])
        sides.append(side[~side.index.duplicated()])
    a, b = sides
    pairs = a.add_suffix("_a").join(b.add_suffix("_b"), how="inner")
    return pairs, len(a) - len(pairs), len(b) - len(pairs)


def compare_metric(pairs: pd.DataFrame, metric: str, proportion: bool) -> dict[str, Any]:
    """The statistics of one metric over the pairs (see the module docstring for inf and NaN)."""
    a, b = pairs[f"{metric}_a"].to_numpy(float), pairs[f"{metric}_b"].to_numpy(float)
    if proportion:
        return {"kind": "share", **paired_proportions(a, b)}
    both = np.isfinite(a) & np.isfinite(b)
    never_a, never_b = np.isposinf(a), np.isposinf(b)
    stats = paired_difference(a[both], b[both])
    return {
        "kind": "mean",
        **stats,
        "never_a": int((never_a & ~never_b).sum()),  # a only: never recovered on A's side
        "never_b": int((never_b & ~never_a).sum()),
        "never_both": int((never_a & never_b).sum()),
        "undefined": int((np.isnan(a) | np.isnan(b)).sum()),
    }


def recovered_shares(pairs: pd.DataFrame) -> dict[str, Any]:
    """The recovered share of A and B over the pairs where both runs lost their leader."""
    a, b = pairs[f"{RECOVERY}_a"].to_numpy(float), pairs[f"{RECOVERY}_b"].to_numpy(float)
    lost = ~np.isnan(a) & ~np.isnan(b)
    stats = paired_proportions(np.isfinite(a[lost]), np.isfinite(b[lost]))
    return {"kind": "share", **stats, "undefined": int((~lost).sum())}


def metric_stats(
    sweep: Sweep, pairs: pd.DataFrame, chosen: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """(metric, statistics) for each chosen metric; recovery time brings its recovered shares."""
    out = []
    for metric in chosen:
        if metric == RECOVERED:
            out.append((RECOVERED, recovered_shares(pairs)))
            continue
        out.append((metric, compare_metric(pairs, metric, metric in sweep.proportions)))
        if metric == RECOVERY and RECOVERED not in chosen:
            out.append((RECOVERED, recovered_shares(pairs)))
    return out


def check_metrics(sweep: Sweep, metrics: list[str] | None) -> list[str]:
    """The metrics to compare: the chosen ones, checked, or the default ones the table has.

    Raises:
        ValueError: for a metric the results do not have (naming the allowed ones).
    """
    allowed = [*sweep.metrics, *([RECOVERED] if RECOVERY in sweep.metrics else [])]
    if not metrics:
        return [m for m in DEFAULT_METRICS if m in sweep.metrics]
    for m in metrics:
        if m not in allowed:
            raise ValueError(f"--metric: unknown metric {m!r} (allowed: {', '.join(allowed)})")
    return list(dict.fromkeys(metrics))


def compare(
    folder: str | Path,
    by: str,
    metrics: list[str] | None = None,
    baseline: str | None = None,
) -> dict[str, Any]:
    """Every level of `by` against the baseline, for each metric.

    Returns:
        ``{"by", "baseline", "levels", "failed", "rows"}``: one row per (level, metric) with the
        pair counts, the statistics (`compare_metric`), the runs left unpaired on each side and
        the plain sentence; a recovery-time metric brings a ``recovered`` row after it.

    Raises:
        FileNotFoundError: for a missing folder or summary table.
        ValueError: for an unknown parameter or metric, a parameter with one level, or a
            baseline that is not one of its levels.
    """
    sweep = load_sweep(folder)
    chosen = check_metrics(sweep, metrics)
    order = levels(sweep, by)
    base = order[0]
    if baseline is not None:
        base = next((v for v in order if same_level(v, str(baseline))), None)
        if base is None:
            raise ValueError(
                f"--baseline: {baseline!r} is not a level of {by} ({', '.join(order)})"
            )
    rows = []
    for level in [v for v in order if v != base]:
        pairs, alone_a, alone_b = pair_runs(sweep, by, base, level)
        for name, stats in metric_stats(sweep, pairs, chosen):
            row = {"by": by, "baseline": base, "level": level, "metric": name, "pairs": len(pairs)}
            row.update(stats, unpaired_baseline=alone_a, unpaired_level=alone_b)
            rows.append({**row, "sentence": sentence(row)})
    return {"by": by, "baseline": base, "levels": order, "failed": sweep.failed, "rows": rows}


CSV_COLUMNS = (
    *("by", "baseline", "level", "metric", "kind", "pairs", "n", "mean_a", "mean_b", "diff"),
    *("lo", "hi", "d_z", "d_lo", "d_hi", "a_only", "b_only", "mcnemar_p", "never_a", "never_b"),
    *("never_both", "undefined", "unpaired_baseline", "unpaired_level", "sentence"),
)


def result_frame(report: dict[str, Any]) -> pd.DataFrame:
    """The report's rows as a table, one column per statistic (`CSV_COLUMNS`)."""
    return pd.DataFrame(report["rows"]).reindex(columns=list(CSV_COLUMNS))


def check_out(path: str | None) -> None:
    """Refuse an --out file that could not be written, before any work.

    Raises:
        ValueError: for a suffix other than .csv / .parquet, or a missing directory.
    """
    if path is None:
        return
    if not path.endswith(SUFFIXES):
        raise ValueError(f"--out must end in .csv or .parquet; got {path!r}")
    if not Path(path).parent.is_dir():
        raise ValueError(f"--out: directory {Path(path).parent} does not exist")


def compare_command(args) -> int:
    """``swarm-sim compare DIR --by PARAM [--metric M ...] [--baseline LEVEL] [--out FILE]``."""
    check_out(args.out)
    report = compare(args.dir, args.by, args.metric, args.baseline)
    print(text_table(report))
    if args.out:
        write_table(result_frame(report), args.out)
        print(f"table → {args.out}")
    return 0

"""Re-running one row of a sweep (``swarm-sim rerun RESULTS_DIR RUN_ID``).

The row's recorded parameters and seed are resolved as the sweep resolved them, the run is
executed as a sweep worker executes it (`sim.research.sweep.execute_run`), and its summary is
compared field by field with the recorded row, as ``summary.csv`` spells values.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sim import __version__, simd
from sim.params import SwarmParams, field_names
from sim.research.experiment import Run, settings_run_id
from sim.research.provenance import recorded_simd
from sim.research.results import SUMMARY_FILE, summary_fields
from sim.research.sweep import execute_run


def recorded_row(out: Path, rid: str) -> dict[str, str]:
    """The row of run `rid` in ``out/summary.csv``.

    Raises:
        ValueError: when `out` is not a results folder or has no run `rid`.
    """
    path = out / SUMMARY_FILE
    if not path.is_file():
        raise ValueError(f"{out} has no {SUMMARY_FILE}: not a results folder of `swarm-sim sweep`")
    with open(path, encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    missing = {*field_names(), "seed", "run_id", *summary_fields()} - set(table[0] if table else {})
    if table and missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}; it is from another version")
    for row in table:
        if row["run_id"] == rid:
            return row
    raise ValueError(f"run id {rid!r} is not in {path} ({len(table)} runs; see its run_id column)")


def run_of(row: dict[str, str]) -> Run:
    """The run a row records: its parameters resolved by `SwarmParams`, its seed, its id."""
    try:
        params = SwarmParams.build(**{k: row[k] for k in field_names()}).as_dict()
        seed = int(row["seed"])
    except ValueError as exc:
        raise ValueError(
            f"run {row['run_id']}: the recorded row is not valid here: {exc}"
        ) from None
    return Run(-1, params, seed, settings_run_id(params, seed))


def _as_recorded(value: Any) -> str:
    """A value as ``summary.csv`` spells it (the csv module's spelling)."""
    return "" if value is None else str(value)


def differences(row: dict[str, str], result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Fields whose re-run value differs from the recorded one: ``{field: (recorded, re-run)}``."""
    new = {**result["summary"], "status": result["status"], "error": result.get("error", "")}
    fields = [*summary_fields(), "status", "error"]
    return {
        f: (row.get(f, ""), _as_recorded(new.get(f)))
        for f in fields
        if row.get(f, "") != _as_recorded(new.get(f))
    }


def rerun(out: Path, rid: str) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """Re-run run `rid` of the results in `out`: (its report, its differences from the row).

    Raises:
        ValueError: when `out` is not a results folder, has no run `rid`, or its row is invalid.
    """
    row = recorded_row(out, rid)
    run = run_of(row)
    result = execute_run(run)
    diff = differences(row, result)
    if run.run_id != rid:  # the same recorded values resolve differently in this code
        diff["run_id"] = (rid, run.run_id)
    simd_there = recorded_simd(out)
    report = {
        "run_id": rid,
        "seed": run.seed,
        "version": __version__,
        "recorded_version": row.get("version", ""),
        "source": result["source"],  # the sim sources hash: tells whether the code changed
        "recorded_source": row.get("source", ""),
        "status": result["status"],
        **result["summary"],
        "identical": not diff,
        "differences": {k: {"recorded": a, "rerun": b} for k, (a, b) in diff.items()},
        "numpy_simd": list(simd.targets()),
        "recorded_numpy_simd": simd_there,
        "advice": simd.advice(simd_there) if diff and simd_there else "",
    }
    return report, diff

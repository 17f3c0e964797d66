"""The results folder of a sweep: the summary table, written one flushed line per finished run.

``summary.csv`` has one row per run: every parameter, the seed, every `SwarmModel.summary()`
field, then ``status`` (``ok`` / ``failed``), ``error``, ``run_id``, ``version`` and ``source``
(a short hash of the `sim` sources the run was computed on, in the worker). Each row is
one write, flushed at once, so a sweep killed at any moment (even by SIGKILL) leaves at most a
torn last line; reopening the folder to resume drops that line and reports the ids already
written. When a sweep is complete the table is rewritten in plan order (atomically), so it is the
same file whatever the number of workers, the executor, or how often the sweep was interrupted.
A failed run's traceback goes to ``errors.log``; a run's time series (``[timeseries]``) to
``timeseries/RUN_ID.parquet``, before its summary row: ``Step`` and the chosen reporters, with
the run's id, parameters, seed, version, source and summary in the file's metadata
(`sim.research.tables`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from sim.params import field_names
from sim.research.experiment import Run, summary_fields
from sim.research.tables import cell, write_table

SUMMARY_FILE = "summary.csv"
ERRORS_FILE = "errors.log"
SERIES_DIR = "timeseries"
STATUS_COLUMNS = ("status", "error", "run_id", "version", "source")
UNKNOWN = "unknown"  # the source of a row from a worker that does not report its sources


def columns() -> list[str]:
    """Columns of ``summary.csv``: every parameter, the seed, every summary field, status, id."""
    return [*field_names(), "seed", *summary_fields(), *STATUS_COLUMNS]


class Results:
    """The results folder of one sweep: summary table, error log, time series."""

    def __init__(self, out: Path, cols: list[str], resume: bool) -> None:
        self.out = Path(out)
        self.cols = cols
        self.path = self.out / SUMMARY_FILE
        if self.path.exists() and not resume:
            raise ValueError(f"{self.path} exists; pass --resume to continue it or choose --out")
        self.out.mkdir(parents=True, exist_ok=True)
        self.sources: set[str] = set()  # the source hashes of the rows already written
        self.done = self._recover() if self.path.exists() else set()
        fresh = not self.path.exists()
        self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        if fresh:
            self._write_line(cols)
        self.failed = 0

    def _recover(self) -> set[str]:
        """Drop a torn last line left by a kill; return the ids of the finished runs."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
        with open(self.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                self.path.unlink()
                return set()
            if header != self.cols:
                raise ValueError(
                    f"{self.path} has other columns than this version writes; use a new --out"
                )
            where, source = header.index("run_id"), header.index("source")
            done = set()
            for row in reader:
                done.add(row[where])
                self.sources.add(row[source])
            return done

    def _write_line(self, values: list[Any]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        self._file.write(buf.getvalue())  # one line per write: a kill can tear at most this line
        self._file.flush()

    def record(self, run: Run, result: dict[str, Any], version: str) -> None:
        """Write one finished run (time series and error log first, the summary row last)."""
        if result["status"] != "ok":
            self.failed += 1
            with open(self.out / ERRORS_FILE, "a", encoding="utf-8") as f:
                f.write(f"=== run {run.run_id} seed={run.seed} params={json.dumps(run.params)}\n")
                f.write(result["traceback"] + "\n")
        if result.get("series") is not None:
            write_table(result["series"], self.out / SERIES_DIR / f"{run.run_id}.parquet")
        row = {k: cell(v) for k, v in run.params.items()}
        row.update(seed=run.seed, **result["summary"], status=result["status"])
        row.update(error=result.get("error", ""), run_id=run.run_id, version=version)
        row.update(source=result.get("source") or UNKNOWN)
        unknown = set(row) - set(self.cols)
        if unknown:
            raise ValueError(f"run returned fields missing from the table: {sorted(unknown)}")
        self._write_line([row.get(c, "") for c in self.cols])
        self.done.add(run.run_id)

    def close(self) -> None:
        """Close the table file."""
        self._file.close()

    def finalize(self, order: dict[str, int]) -> None:
        """Rewrite the table in plan order (atomically), keeping one row per run id."""
        with open(self.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            where = header.index("run_id")
            rows = {}
            for row in reader:
                rows.setdefault(row[where], row)
        ordered = sorted(rows.values(), key=lambda r: order.get(r[where], math.inf))
        tmp = self.path.with_suffix(".csv.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(ordered)
        os.replace(tmp, self.path)

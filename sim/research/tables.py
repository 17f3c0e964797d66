"""Per-step tables: a run's data-collector rows with what produced them, as CSV or Parquet.

The one place that turns a model's data collector into a table, a table into a file and a file
back into a table. The ``run --out`` command, the UI's CSV download and the ``[timeseries]`` of
experiment files all use it, so a column has the same name and the same encoding everywhere.

A table (`step_table`) has the columns ``Step`` (`STEP`, the name Mesa's ``batch_run`` uses)
and the reporters (`sim.model.REPORTERS`); what produced it is in ``DataFrame.attrs`` (`META`
lists the keys): the resolved `SwarmParams`, the seed, the package version, the run's
``summary()``, and, where there is one, the run id and the hash of the `sim` sources. Each
format keeps that context its own way, so every row stays traceable to its parameters, seed and
version:

- **Parquet**: only ``Step`` and the reporters are columns; the context is one JSON document in
  the file's schema metadata under the key ``swarm_sim`` (`METADATA_KEY`), which any Arrow reader
  sees (``pyarrow.parquet.read_schema(path).metadata[b"swarm_sim"]``); `read_table` puts it back
  in ``attrs``. (pandas also round-trips ``attrs`` through Parquet, but under an undocumented key
  of its own; this one is ours and documented.)
- **CSV** has no metadata, so every row repeats the context (`with_context`): every parameter
  (lists and pairs as JSON, as in a sweep's ``summary.csv``), the seed and the version.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.components.measurement import STEP

SUFFIXES = (".csv", ".parquet")
METADATA_KEY = b"swarm_sim"  # the Parquet schema metadata key of a table's context (JSON)
META = ("seed", "run_id", "version", "source", "params", "summary")  # a table's attrs, in order
CSV_CONTEXT = ("seed", "version")  # after the parameters, the context a CSV row repeats


def step_table(
    model,
    columns: Sequence[str] | None = None,
    every: int = 1,
    *,
    run_id: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """One row every `every` steps: the step and the reporters; the run's context in ``attrs``.

    Args:
        model: A `SwarmModel` (run or not).
        columns: The reporters to keep, in this order (default: all of them).
        every: Steps between kept rows (step 0 is always kept).
        run_id: The run's id (`sim.research.experiment.settings_run_id`), if it has one.
        source: The short hash of the `sim` sources that ran it
            (`sim.research.provenance.short_hash`), if known.

    Returns:
        A new DataFrame (the model is not changed) whose ``attrs`` hold the keys of `META`:
        ``params`` (the resolved parameters), ``seed``, ``version``, ``summary`` (the run's
        ``summary()``), and ``run_id`` and ``source`` when given; all plain JSON values.
    """
    df = model.datacollector.get_model_vars_dataframe().reset_index(names=STEP)
    if columns is not None:
        df = df[[STEP, *columns]]
    if every > 1:
        df = df[df[STEP] % every == 0].reset_index(drop=True)
    context = {
        "seed": model.seed,
        "run_id": run_id,
        "version": __version__,
        "source": source,
        "params": model.params.as_dict(),
        "summary": model.summary(),
    }
    df.attrs = {k: plain(context[k]) for k in META if context[k] is not None}
    return df


def plain(value: Any) -> Any:
    """`value` as plain JSON data: NaN as None, ±inf as text, tuples as lists, numpy as Python."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # e.g. a numpy Generator passed as the seed: named, not reproducible


def cell(value: Any) -> Any:
    """A parameter value as a table stores it: lists, tuples and tables as JSON text."""
    return json.dumps(value) if isinstance(value, (list, tuple, dict)) else value


def with_context(df: pd.DataFrame, keys: Iterable[str] = CSV_CONTEXT) -> pd.DataFrame:
    """`df` with its context as columns: every parameter in ``attrs``, then the `keys` it has.

    This is how a CSV row carries its context; `read_table` uses it on request.
    """
    attrs = df.attrs
    columns = {k: cell(v) for k, v in attrs.get("params", {}).items()}
    columns.update({k: attrs[k] for k in keys if k in attrs})
    return df.assign(**columns)


def table_bytes(df: pd.DataFrame, suffix: str) -> bytes:
    """`df` encoded as CSV (``.csv``) or Parquet (``.parquet``), without the index.

    CSV repeats the context in ``df.attrs`` on every row (`with_context`); Parquet keeps the
    columns as they are and the context under `METADATA_KEY` of its schema metadata.

    Raises:
        ValueError: for another suffix, or Parquet without pyarrow.
    """
    if suffix == ".csv":
        return with_context(df).to_csv(index=False).encode()
    if suffix == ".parquet":
        return _parquet_bytes(df)
    raise ValueError(f"a table file must end in .csv or .parquet; got {suffix!r}")


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """`df`'s columns as Parquet, with ``df.attrs`` as JSON under `METADATA_KEY`."""
    try:
        import pyarrow as pa  # deferred: optional (the `parquet` extra) and heavy
        import pyarrow.parquet as pq  # deferred: as above
    except ImportError as exc:
        raise ValueError(f"writing Parquet needs pyarrow ({exc}); use a .csv file") from None
    table = pa.Table.from_pandas(df, preserve_index=False)
    context = json.dumps(plain(df.attrs), allow_nan=False).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: context})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """Write `df` to `path`, CSV or Parquet by its suffix, all at once (a kill leaves no half file).

    Raises:
        ValueError: for a suffix other than .csv / .parquet, or Parquet without pyarrow.
    """
    path = Path(path)
    data = table_bytes(df, path.suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def read_table(path: str | Path, context: bool = False) -> pd.DataFrame:
    """A table written by `write_table`; from Parquet, with its context back in ``attrs``.

    Args:
        path: A ``.parquet`` or ``.csv`` file (a CSV holds its context in its columns already).
        context: Also add the context as columns, as a CSV has them: every parameter, then the
            seed, the run id (where there is one) and the version — e.g. to stack the time
            series of many runs into one frame.

    Raises:
        ValueError: for a suffix other than .csv / .parquet, or Parquet without pyarrow.
    """
    path = Path(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix != ".parquet":
        raise ValueError(f"a table file must end in .csv or .parquet; got {path.suffix!r}")
    try:
        import pyarrow.parquet as pq  # deferred: optional (the `parquet` extra) and heavy
    except ImportError as exc:
        raise ValueError(f"reading Parquet needs pyarrow ({exc})") from None
    table = pq.read_table(path)
    df = table.to_pandas()
    meta = (table.schema.metadata or {}).get(METADATA_KEY)
    df.attrs = json.loads(meta) if meta else {}
    return with_context(df, ("seed", "run_id", "version")) if context else df

"""Per-step tables: a run's data-collector rows with what produced them, as CSV or Parquet.

The one place that turns a model's data collector into a table and a table into a file. The
``run --out`` command, the UI's CSV download and the ``[timeseries]`` of experiment files all
use it, so a column has the same name and the same encoding everywhere: ``Step`` (`STEP`, the
name Mesa's ``batch_run`` uses), the reporters (`sim.model.REPORTERS`), every resolved
`SwarmParams` field (lists and pairs as JSON, as in a sweep's ``summary.csv``), the seed and the
package version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__

SUFFIXES = (".csv", ".parquet")
STEP = "Step"  # the step column's one name: Mesa's batch_run and agent tables use it too


def step_table(model, columns: Sequence[str] | None = None, every: int = 1) -> pd.DataFrame:
    """One row every `every` steps: the step, the reporters, the parameters, the seed, the version.

    Args:
        model: A `SwarmModel` (run or not).
        columns: The reporters to keep, in this order (default: all of them).
        every: Steps between kept rows (step 0 is always kept).

    Returns:
        A new DataFrame; the model is not changed.
    """
    df = model.datacollector.get_model_vars_dataframe().reset_index(names=STEP)
    if columns is not None:
        df = df[[STEP, *columns]]
    if every > 1:
        df = df[df[STEP] % every == 0].reset_index(drop=True)
    context = {k: cell(v) for k, v in model.params.as_dict().items()}
    return df.assign(**context, seed=model.seed, version=__version__)


def cell(value: Any) -> Any:
    """A parameter value as a table stores it: lists, tuples and tables as JSON text."""
    return json.dumps(value) if isinstance(value, (list, tuple, dict)) else value


def table_bytes(df: pd.DataFrame, suffix: str) -> bytes:
    """`df` encoded as CSV (``.csv``) or Parquet (``.parquet``), without the index.

    Raises:
        ValueError: for another suffix, or Parquet without pyarrow.
    """
    if suffix == ".csv":
        return df.to_csv(index=False).encode()
    if suffix == ".parquet":
        try:
            return df.to_parquet(index=False)
        except ImportError as exc:
            raise ValueError(f"writing Parquet needs pyarrow ({exc}); use a .csv file") from None
    raise ValueError(f"a table file must end in .csv or .parquet; got {suffix!r}")


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

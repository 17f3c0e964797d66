"""Per-step tables: one builder and one writer for `run --out`, the UI's CSV and [timeseries]."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.model import REPORTERS
from sim.params import field_names
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep
from sim.research.tables import step_table, table_bytes, write_table


@pytest.fixture(scope="module")
def model():
    """A finished 20-step run of five agents on seed 4."""
    m = sim.SwarmModel(n_agents=5, max_steps=20, rng=4)
    m.run()
    return m


def test_step_table_has_time_reporters_parameters_seed_and_version(model):
    """One row per step: time, every reporter, every parameter, the seed and the version."""
    df = step_table(model)
    assert list(df.columns) == ["Step", *REPORTERS, *field_names(), "seed", "version"]
    assert list(df["Step"]) == list(range(21))
    assert (df["seed"] == 4).all() and (df["version"] == sim.__version__).all()
    assert (df["n_agents"] == 5).all()


def test_step_table_keeps_chosen_columns_every_k_steps(model):
    """`columns` picks and orders reporters; `every` keeps the rows whose time it divides."""
    df = step_table(model, ["order", "n_active"], every=5)
    assert list(df.columns[:3]) == ["Step", "order", "n_active"]
    assert list(df["Step"]) == [0, 5, 10, 15, 20]
    full = step_table(model)
    assert list(df["order"]) == list(full["order"][::5])


def test_step_table_leaves_the_model_alone(model):
    """Building the table does not change the data collector's own frame."""
    before = model.datacollector.get_model_vars_dataframe().copy()
    step_table(model, ["order"], every=3)
    pd.testing.assert_frame_equal(model.datacollector.get_model_vars_dataframe(), before)


def test_pairs_are_stored_as_json_like_in_summary_csv():
    """Pair-valued parameters (scheduled dropouts, waypoints) become one JSON cell per row.

    Before the tables were unified, the CLI and the UI's CSV failed on such a run (pandas tried
    to spread the tuple over the rows), e.g. the 'cascade' and 'chain_breaks' lessons.
    """
    m = sim.SwarmModel(preset="cascade", max_steps=3)
    m.run()
    df = step_table(m)
    assert json.loads(df["scheduled_dropouts"][0]) == [[300, 1], [360, 2], [420, 3]]
    assert df["scheduled_dropouts"].nunique() == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_round_trips(model, tmp_path, suffix):
    """A table written as CSV or Parquet reads back with the same columns and values."""
    path = tmp_path / f"t{suffix}"
    write_table(step_table(model), path)
    back = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(back.columns) == list(step_table(model).columns)
    frame = model.datacollector.get_model_vars_dataframe()
    assert back["order"].tolist() == pytest.approx(frame["order"].tolist(), nan_ok=True)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_write_table_refuses_other_suffixes(model, tmp_path):
    """A suffix other than .csv / .parquet is a ValueError naming both."""
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_table(step_table(model), tmp_path / "t.txt")


def test_cli_ui_and_sweep_write_the_same_rows(tmp_path, capsys):
    """`run --out`, the UI's CSV download and a sweep's time series hold the same numbers."""
    export = pytest.importorskip("sim.ui.export")
    assert (
        main(
            [
                "run",
                "--steps",
                "20",
                "--seed",
                "4",
                "--set",
                "n_agents=5",
                "--out",
                str(tmp_path / "run.csv"),
            ]
        )
        == 0
    )
    cli_csv = (tmp_path / "run.csv").read_bytes()
    m = sim.SwarmModel(n_agents=5, max_steps=20, rng=4)
    m.run()
    assert export.csv_bytes(m) == cli_csv == table_bytes(step_table(m), ".csv")
    series_spec = {"columns": ["order", "n_leaders"], "every": 2}
    exp = parse_experiment(
        {
            "name": "t",
            "steps": 20,
            "seeds": [4],
            "params": {"n_agents": 5},
            "timeseries": series_spec,
        }
    )
    run_sweep(exp, tmp_path / "sweep", workers=1, progress=False)
    (series,) = (tmp_path / "sweep" / "timeseries").glob("*.parquet")
    swept = pd.read_parquet(series)
    expected = pd.read_csv(io.BytesIO(cli_csv))[["Step", "order", "n_leaders"]].iloc[::2]
    pd.testing.assert_frame_equal(swept.drop(columns="run_id"), expected.reset_index(drop=True))

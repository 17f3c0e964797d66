"""Per-step tables: one builder and one writer for `run --out`, the UI's CSV and [timeseries]."""

from __future__ import annotations

import io
import json

import mesa
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.model import REPORTERS
from sim.modes import MODES
from sim.params import field_names
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep
from sim.research.tables import (
    METADATA_KEY,
    STEP,
    plain,
    read_table,
    step_table,
    table_bytes,
    write_table,
)

pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def model():
    """A finished 20-step run of five agents on seed 4."""
    m = sim.SwarmModel(n_agents=5, max_steps=20, rng=4)
    m.run()
    return m


def test_step_table_has_step_and_reporters_and_its_context_in_attrs(model):
    """One row per step: the step and every reporter; parameters, seed, version in attrs."""
    df = step_table(model)
    assert list(df.columns) == ["Step", *REPORTERS]
    assert list(df["Step"]) == list(range(21))
    assert df.attrs["seed"] == 4 and df.attrs["version"] == sim.__version__
    assert df.attrs["params"] == plain(model.params.as_dict())
    assert df.attrs["params"]["n_agents"] == 5
    assert df.attrs["summary"] == plain(model.summary())


def test_csv_repeats_parameters_seed_and_version_on_every_row(model):
    """A CSV has no metadata: each row is the step, the reporters, the parameters, seed, version."""
    df = pd.read_csv(io.BytesIO(table_bytes(step_table(model), ".csv")))
    assert list(df.columns) == ["Step", *REPORTERS, *field_names(), "seed", "version"]
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
    df = pd.read_csv(io.BytesIO(table_bytes(step_table(m), ".csv")))
    assert json.loads(df["scheduled_dropouts"][0]) == [[300, 1], [360, 2], [420, 3]]
    assert df["scheduled_dropouts"].nunique() == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_round_trips(model, tmp_path, suffix):
    """A table written as CSV or Parquet reads back (`read_table`) with the same values."""
    path = tmp_path / f"t{suffix}"
    table = step_table(model, run_id="abc", source="0123456789ab")
    write_table(table, path)
    back = read_table(path)
    frame = model.datacollector.get_model_vars_dataframe()
    assert back["order"].tolist() == pytest.approx(frame["order"].tolist(), nan_ok=True)
    assert back["Step"].tolist() == frame.index.tolist()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    if suffix == ".parquet":
        assert list(back.columns) == list(table.columns)
        assert back.attrs == table.attrs and back.attrs["run_id"] == "abc"


@pytest.mark.parametrize("coordination", list(MODES))
def test_parquet_has_no_null_typed_columns_in_any_mode(tmp_path, coordination):
    """Every column of a Parquet table has a type: no parameter that is None, in any mode."""
    m = sim.SwarmModel(coordination=coordination, n_agents=6, max_steps=3, rng=1)
    m.run()
    write_table(step_table(m), tmp_path / "t.parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    assert schema.names == ["Step", *REPORTERS]
    assert [f.name for f in schema if str(f.type) == "null"] == []


def test_parquet_holds_step_and_reporters_and_the_context_as_metadata(tmp_path):
    """No constant parameter columns and no null-typed ones; the context is one JSON document.

    Before, the Parquet file repeated every parameter on every row, eight of them (those that
    are None by default) of Arrow's null type.
    """
    m = sim.SwarmModel(preset="cascade", max_steps=5, rng=2)
    m.run()
    write_table(step_table(m), tmp_path / "t.parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    assert schema.names == ["Step", *REPORTERS]
    assert not [f.name for f in schema if str(f.type) == "null"]
    meta = json.loads(schema.metadata[METADATA_KEY])
    assert meta["params"]["scheduled_dropouts"] == [[300, 1], [360, 2], [420, 3]]
    assert meta["seed"] == 2 and meta["version"] == sim.__version__
    assert meta["summary"]["steps"] == 5


def test_read_table_can_add_the_context_back_as_columns(model, tmp_path):
    """`read_table(context=True)` of the Parquet file holds what the CSV holds (and the run id)."""
    table = step_table(model, run_id="abc")
    write_table(table, tmp_path / "t.parquet")
    write_table(table, tmp_path / "t.csv")
    wide = read_table(tmp_path / "t.parquet", context=True)
    assert (wide["run_id"] == "abc").all()
    again = wide.drop(columns="run_id").to_csv(index=False)
    assert again == (tmp_path / "t.csv").read_text()


def test_write_table_refuses_other_suffixes(model, tmp_path):
    """A suffix other than .csv / .parquet is a ValueError naming both."""
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_table(step_table(model), tmp_path / "t.txt")
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        read_table(tmp_path / "t.txt")


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
    swept = read_table(series)
    expected = pd.read_csv(io.BytesIO(cli_csv))[["Step", "order", "n_leaders"]].iloc[::2]
    pd.testing.assert_frame_equal(swept, expected.reset_index(drop=True))


def test_the_ui_csv_of_two_runs_has_each_runs_parameters_on_its_rows():
    """Compare mode's CSV: both runs' rows, each with its own parameters, seed and version."""
    export = pytest.importorskip("sim.ui.export")
    a, b = (sim.SwarmModel(n_agents=4, election=e, max_steps=3, rng=1) for e in ("raft", "none"))
    for m in (a, b):
        m.run()
    df = pd.read_csv(io.BytesIO(export.csv_bytes([a, b], ["A: raft", "B: none"])))
    assert list(df.columns) == ["swarm", "Step", *REPORTERS, *field_names(), "seed", "version"]
    assert set(zip(df["swarm"], df["election"], strict=True)) == {
        ("A: raft", "raft"),
        ("B: none", "none"),
    }
    assert (df["seed"] == 1).all() and len(df) == 8


def test_the_step_column_is_called_step_everywhere(tmp_path, capsys):
    """`run --out` CSV and Parquet, [timeseries], the UI's CSV, batch_run and the frame: `Step`.

    Before, the data collector's frame had an unnamed index (``reset_index()`` gave "index").
    """
    export = pytest.importorskip("sim.ui.export")
    names = {}
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"run.{suffix}"
        assert main(["run", "--steps", "4", "--seed", "1", "--out", str(path)]) == 0
        names[suffix] = read_table(path).columns[0]
    exp = parse_experiment(
        {"name": "t", "steps": 4, "seeds": [1], "timeseries": {"columns": ["order"], "every": 1}}
    )
    run_sweep(exp, tmp_path / "sweep", workers=1, progress=False)
    (series,) = (tmp_path / "sweep" / "timeseries").glob("*.parquet")
    names["timeseries"] = read_table(series).columns[0]
    m = sim.SwarmModel(max_steps=4, rng=1)
    m.run()
    names["ui"] = pd.read_csv(io.BytesIO(export.csv_bytes(m))).columns[0]
    names["frame"] = m.datacollector.get_model_vars_dataframe().reset_index().columns[0]
    rows = mesa.batch_run(
        sim.SwarmModel, {"max_steps": 4}, rng=[1], max_steps=4, display_progress=False
    )
    names["batch_run"] = "Step" if all("Step" in r for r in rows) else sorted(rows[0])
    assert names == dict.fromkeys(names, STEP) and STEP == "Step"

"""The swarm-sim command line: JSON summaries, files, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import __version__, cli
from sim.cli import main
from sim.model import REPORTERS
from sim.research.provenance import short_hash
from sim.research.tables import METADATA_KEY, read_table


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)


def test_run_prints_summary_json(capsys):
    """`run` prints the summary, seed and version as JSON."""
    assert main(["run", "--preset", "leader_handover", "--steps", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["seed"] == 1 and out["version"] == __version__ and out["steps"] == 50


@pytest.mark.parametrize(
    "args,needle",
    [
        (["run", "--set", "n_agents=0"], "n_agents must be an integer in [1, 10000]"),
        (["run", "--set", "n_agnts=3"], "did you mean n_agents"),
        (["run", "--set", "message_loss"], "key=value"),
        (["run", "--steps", "0"], "--steps"),
        (["run", "--steps", "5", "--out", "x.txt"], ".csv or .parquet"),
    ],
)
def test_bad_input_is_one_clear_line(args, needle):
    """Bad names or values exit with status 2 and one line on stderr, no traceback."""
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_run_writes_csv_with_the_context_on_every_row(tmp_path):
    """--out FILE.csv writes one row per step with parameters, seed and version on every row."""
    path = tmp_path / "run.csv"
    assert (
        main(["run", "--steps", "30", "--seed", "9", "--set", "n_agents=5", "--out", str(path)])
        == 0
    )
    frame = pd.read_csv(path)
    assert len(frame) == 31
    assert (frame["seed"] == 9).all() and (frame["n_agents"] == 5).all()
    assert (frame["version"] == __version__).all()
    assert {"formation_error", "largest_component", "Step"} <= set(frame.columns)


def test_run_writes_parquet_with_what_run_prints_as_metadata(tmp_path, capsys):
    """--out FILE.parquet: Step and the reporters; the printed context in the file's metadata.

    Before, every parameter was a constant column (some of Arrow's null type) and the summary
    and run id were not in the file.
    """
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "run.parquet"
    args = ["run", "--preset", "cascade", "--steps", "30", "--seed", "9", "--out", str(path)]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    schema = pq.read_schema(path)
    assert schema.names == ["Step", *REPORTERS]
    assert not [f.name for f in schema if str(f.type) == "null"]
    meta = json.loads(schema.metadata[METADATA_KEY])
    assert meta["params"] == printed["params"] and meta["seed"] == printed["seed"] == 9
    assert meta["run_id"] == printed["run_id"] and meta["version"] == printed["version"]
    assert meta["summary"] == {k: printed[k] for k in meta["summary"]}
    assert set(printed) - set(meta["summary"]) == {
        "preset",
        "seed",
        "run_id",
        "version",
        "params",
        "out",
    }
    frame = read_table(path)
    assert len(frame) == 31 and frame.attrs == meta
    assert meta["source"] == short_hash()


def one_error_line(capsys) -> str:
    """The single stderr line of a failed command (asserts there is exactly one, no traceback)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def no_run(monkeypatch):
    """Fail the test if `run` builds a model: bad --out must be caught before running."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before --out was checked")

    monkeypatch.setattr(cli, "SwarmModel", refuse)


def test_infinite_value_is_one_line(capsys):
    """--set n_agents=inf is a range error on one line, not an OverflowError traceback."""
    assert main(["run", "--set", "n_agents=inf"]) == 2
    assert "n_agents must be an integer in [1, 10000]; got 'inf'" in one_error_line(capsys)


@pytest.mark.parametrize(
    "out,needle",
    [
        ("/no/such/dir/x.csv", "directory /no/such/dir does not exist"),
        ("x.xyz", "must end in .csv or .parquet"),
        ("", "--out must be a file name"),
        ("{tmp}/folder.csv", "is a directory"),
        ("{tmp}/file.txt/x.csv", "is not a directory"),
    ],
)
def test_bad_out_rejected_before_running(out, needle, tmp_path, no_run, capsys):
    """A bad --out (missing folder, wrong suffix, empty, a folder) fails at once, exit 2."""
    (tmp_path / "file.txt").write_text("")
    (tmp_path / "folder.csv").mkdir()
    assert main(["run", "--out", out.format(tmp=tmp_path)]) == 2
    line = one_error_line(capsys)
    assert "--out" in line and needle in line


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["run", "--bogus"],
        ["run", "--steps", "abc"],
        ["run", "--seed", "1.5"],
        ["run", "--preset", "zzz"],
        ["sweep"],
    ],
)
def test_usage_errors_are_one_line(argv, capsys):
    """Usage errors (argparse) print one line 'swarm-sim...: error: ...' and exit with status 2."""
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert line.startswith("swarm-sim") and ": error: " in line


def test_help_still_works(capsys):
    """--help prints the usage and options and exits 0."""
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: swarm-sim run") and "--out" in out


def test_a_reader_that_goes_away_gets_no_traceback():
    """`swarm-sim run | head -c 5`: the pipe closes before the JSON is written; no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "--steps", "5", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err

"""The swarm-sim command line: JSON summaries, files, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from sim import __version__
from sim.cli import main


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


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_run_writes_time_series_with_provenance(tmp_path, suffix):
    """--out writes one row per step with parameters, seed and version on every row."""
    path = tmp_path / f"run.{suffix}"
    assert (
        main(["run", "--steps", "30", "--seed", "9", "--set", "n_agents=5", "--out", str(path)])
        == 0
    )
    frame = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
    assert len(frame) == 31
    assert (frame["seed"] == 9).all() and (frame["n_agents"] == 5).all()
    assert (frame["version"] == __version__).all()
    assert {"formation_error", "largest_component", "time"} <= set(frame.columns)

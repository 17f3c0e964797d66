"""Sweep and run inputs: one-line errors for bad options, printed seeds, `swarm-sim rerun`."""

from __future__ import annotations

import csv
import json
import os
import time

import pytest

from sim import simd
from sim.cli import main
from sim.research import executors
from sim.research.experiment import SEED_LIMIT, settings_run_id

SMALL = """
name = "small"
steps = 10
seeds = 1
[params]
n_agents = 4
[sweep]
message_loss = [0.0, 0.3]
"""


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def one_error_line(capsys) -> str:
    """The single stderr line of a failed command (asserts there is exactly one, no traceback)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("workers", ["0", "-1", "999"])
def test_workers_outside_the_allowed_range_are_refused(workers, small_file, tmp_path, capsys):
    """--workers 0 is no longer 'all cores', 999 no longer spawns hundreds: exit 2, one line."""
    out = tmp_path / "o"
    assert main(["sweep", str(small_file), "--out", str(out), "--workers", workers]) == 2
    cap = 4 * (os.cpu_count() or 1)
    assert f"--workers must be an integer in [1, {cap}]" in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("dry", [[], ["--dry-run"]])
def test_scheduler_without_dask_is_refused(small_file, tmp_path, capsys, dry):
    """--scheduler with the local executor would be ignored: it is an error naming both options.

    The plan (--dry-run) refuses it too, rather than planning a sweep that would not start.
    """
    out = tmp_path / "o"
    argv = ["sweep", str(small_file), "--out", str(out), "--scheduler", "tcp://127.0.0.1:8786"]
    assert main(argv + dry) == 2
    assert "--scheduler needs --executor dask" in one_error_line(capsys)
    assert not out.exists()


def test_empty_scheduler_address_is_refused(small_file, tmp_path, capsys):
    """--scheduler "" used to start a local cluster as if no address had been given."""
    out = tmp_path / "o"
    argv = ["sweep", str(small_file), "--out", str(out), "--executor", "dask", "--scheduler", ""]
    assert main(argv) == 2
    assert "--scheduler must be a Dask scheduler address" in one_error_line(capsys)
    assert not out.exists()


def test_unreachable_scheduler_is_one_line_within_the_timeout(
    small_file, tmp_path, capsys, monkeypatch
):
    """A scheduler nobody answers at fails after SCHEDULER_TIMEOUT seconds, exit 2, one line."""
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", 1)
    out = tmp_path / "o"
    argv = ["sweep", str(small_file), "--out", str(out), "--executor", "dask"]
    start = time.monotonic()
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert time.monotonic() - start < 15
    line = one_error_line(capsys)
    assert "--scheduler: cannot reach a Dask scheduler at 'tcp://127.0.0.1:9' within 1 s" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("steps = 10\n", "seeds is not set"),
        ("seeds = 2\n", "steps is not set"),
        ("steps = 10\nseeds = 1\n[sweep]\ncomm_range = [10, 10.0]\n", "comm_range lists the value"),
    ],
)
def test_bad_experiment_files_are_one_line(text, needle, tmp_path, capsys):
    """A missing steps / seeds or a duplicate swept value: exit 2, one line naming the key."""
    path = tmp_path / "e.toml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    assert needle in one_error_line(capsys)


def test_a_directory_as_experiment_file_is_one_line(tmp_path, capsys):
    """`swarm-sim sweep FOLDER` is exit 2 and one line, not an IsADirectoryError traceback."""
    assert main(["sweep", str(tmp_path)]) == 2
    assert "is a directory" in one_error_line(capsys)


def run_json(capsys, *argv: str) -> dict:
    """The output of `swarm-sim run ARGV`, which must be exactly one JSON document."""
    assert main(["run", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_run_without_seed_draws_and_prints_one(capsys):
    """Without --seed a seed is drawn and printed with the run id and parameters; it repeats."""
    first = run_json(capsys, "--steps", "15", "--set", "n_agents=4")
    assert isinstance(first["seed"], int) and 0 <= first["seed"] < SEED_LIMIT
    assert first["params"]["n_agents"] == 4 and first["params"]["max_steps"] == 15
    assert first["run_id"] == settings_run_id(first["params"], first["seed"])
    again = run_json(capsys, "--steps", "15", "--set", "n_agents=4", "--seed", str(first["seed"]))
    assert again == first
    other = run_json(capsys, "--steps", "15", "--set", "n_agents=4")
    assert other["seed"] != first["seed"]


def sweep_small(small_file, out, capsys) -> list[dict[str, str]]:
    """Sweep the small experiment into `out`; its summary rows."""
    assert main(["sweep", str(small_file), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    with open(out / "summary.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_run_id_of_run_is_the_sweep_id(small_file, tmp_path, capsys):
    """`run` with a sweep row's settings and seed prints that row's run id."""
    row = sweep_small(small_file, tmp_path / "o", capsys)[0]
    argv = ["--steps", "10", "--set", "n_agents=4", "--set", f"message_loss={row['message_loss']}"]
    assert run_json(capsys, *argv, "--seed", row["seed"])["run_id"] == row["run_id"]


def one_more_collision(out, table: list[dict], row: int) -> None:
    """Record one collision more in row `row` of out/summary.csv (a row that no longer holds)."""
    table[row]["collisions"] = str(int(table[row]["collisions"]) + 1)
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


def test_rerun_reports_identical_then_different(small_file, tmp_path, capsys):
    """`rerun` exits 0 for an untouched row, 1 naming the field when the recorded value differs."""
    out = tmp_path / "o"
    table = sweep_small(small_file, out, capsys)
    rid = table[1]["run_id"]
    assert main(["rerun", str(out), rid]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["identical"] is True and report["run_id"] == rid and report["steps"] == 10
    assert "identical to the recorded row" in captured.err
    one_more_collision(out, table, 1)
    assert main(["rerun", str(out), rid]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["differences"] == {
        "collisions": {
            "recorded": table[1]["collisions"],
            "rerun": str(int(table[1]["collisions"]) - 1),
        }
    }
    assert "differs from the recorded row: collisions" in captured.err


def test_rerun_says_how_to_run_the_recorded_simd_code(small_file, tmp_path, capsys, monkeypatch):
    """A row that differs, recorded where numpy ran narrower SIMD code: the fix is named."""
    out = tmp_path / "o"
    table = sweep_small(small_file, out, capsys)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["numpy_simd"] == list(simd.targets())
    prov["numpy_simd"] = ["X86_V3", "baseline(X86_V2)"]
    (out / "provenance.json").write_text(json.dumps(prov))
    monkeypatch.setattr(simd, "targets", lambda: ("X86_V3", "X86_V4", "baseline(X86_V2)"))
    rid = table[0]["run_id"]
    assert main(["rerun", str(out), rid]) == 0  # identical: nothing to say
    assert "NPY_DISABLE" not in capsys.readouterr().err
    one_more_collision(out, table, 0)
    assert main(["rerun", str(out), rid]) == 1
    err = capsys.readouterr().err
    assert "prefix the command with NPY_DISABLE_CPU_FEATURES='X86_V4'" in err


@pytest.mark.parametrize(
    ("target", "needle"), [("run", "run id 'nope' is not in"), ("folder", "has no summary.csv")]
)
def test_rerun_bad_input_is_one_line(target, needle, small_file, tmp_path, capsys):
    """An unknown run id or a folder without results: exit 2, one line."""
    out = tmp_path / "o"
    if target == "run":
        sweep_small(small_file, out, capsys)
    assert main(["rerun", str(out if target == "run" else tmp_path), "nope"]) == 2
    assert needle in one_error_line(capsys)

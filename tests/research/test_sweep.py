"""Sweeps: incremental results, resume after a kill, failures, executors and provenance."""

from __future__ import annotations

import csv
import json
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import simd
from sim.research import results, sweep
from sim.research.experiment import parse_experiment
from sim.research.sweep import execute_run, run_sweep
from sim.research.tables import read_table
from tests.conftest import count_rows, sweep_cli

ROOT = Path(__file__).resolve().parents[2]

SMALL = """
name = "small"
steps = {steps}
seeds = {seeds}
[params]
n_agents = 4
[sweep]
message_loss = [0.0, 0.3]
election = ["lowest_id", "none"]
"""


def small(steps: int = 30, seeds: int = 3, **extra):
    """The small experiment as an `Experiment` (extra top-level keys merged in)."""
    data = {
        "name": "small",
        "steps": steps,
        "seeds": seeds,
        "params": {"n_agents": 4},
        "sweep": {"message_loss": [0.0, 0.3], "election": ["lowest_id", "none"]},
    }
    data.update(extra)
    return parse_experiment(data)


def rows(out: Path) -> list[dict[str, str]]:
    """The rows of a results folder's summary.csv as dicts of strings."""
    with open(out / "summary.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_sweep_writes_one_row_per_run_with_everything(tmp_path):
    """Each row has every parameter, the seed, every summary field, status, run id and version."""
    e = small()
    report = run_sweep(e, tmp_path, workers=1, progress=False)
    table = rows(tmp_path)
    assert report["ran"] == e.n_runs == len(table) == 12
    assert [r["run_id"] for r in table] == [r.run_id for r in e.runs()]  # plan order
    first = table[0]
    for name in [*sim.SwarmParams().as_dict(), "seed", *results.summary_fields()]:
        assert name in first
    assert {r["status"] for r in table} == {"ok"} and first["version"] == sim.__version__


def test_row_matches_a_direct_model_run(tmp_path):
    """A row's summary equals `SwarmModel(**params, rng=seed).run()` for that run."""
    run = next(small().runs())
    run_sweep(small(), tmp_path, workers=1, progress=False)
    row = next(r for r in rows(tmp_path) if r["run_id"] == run.run_id)
    direct = sim.SwarmModel(**run.params, rng=run.seed).run()
    for key, value in direct.items():
        assert row[key] == str(value), key


def test_existing_results_need_resume(tmp_path):
    """A second sweep into the same folder is refused unless --resume is given."""
    run_sweep(small(seeds=1), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="--resume"):
        run_sweep(small(seeds=1), tmp_path, workers=1, progress=False)
    report = run_sweep(small(seeds=1), tmp_path, workers=1, resume=True, progress=False)
    assert report["skipped"] == 4 and report["ran"] == 0


def test_resume_refuses_a_different_experiment(tmp_path):
    """Resuming with another experiment into the same folder is an error."""
    run_sweep(small(seeds=1), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="different experiment"):
        run_sweep(small(seeds=2), tmp_path, workers=1, resume=True, progress=False)


def test_torn_last_line_is_dropped_and_rerun(tmp_path):
    """A half-written last row (a kill mid-write) is discarded on resume and the run redone."""
    ref, out = tmp_path / "ref", tmp_path / "out"
    run_sweep(small(seeds=1), ref, workers=1, progress=False)
    lines = (ref / "summary.csv").read_text().splitlines(keepends=True)
    out.mkdir()
    (out / "summary.csv").write_text("".join(lines[:3]) + lines[3][:25])
    (out / "provenance.json").write_text((ref / "provenance.json").read_text())
    report = run_sweep(small(seeds=1), out, workers=1, resume=True, progress=False)
    assert report["skipped"] == 2 and report["ran"] == 2
    assert (out / "summary.csv").read_bytes() == (ref / "summary.csv").read_bytes()


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    """A run that raises gets a 'failed' row and a traceback in errors.log; others finish."""
    real = sim.model.SwarmModel.run

    def flaky(self, steps=None):
        if self.seed == 1 and self.params.election == "none":
            raise RuntimeError("deliberate failure")
        return real(self, steps)

    monkeypatch.setattr(sim.model.SwarmModel, "run", flaky)
    report = run_sweep(small(), tmp_path, workers=1, progress=False)
    table = rows(tmp_path)
    failed = [r for r in table if r["status"] == "failed"]
    assert report["failed"] == len(failed) == 2 and len(table) == 12
    assert all("RuntimeError: deliberate failure" in r["error"] for r in failed)
    log = (tmp_path / "errors.log").read_text()
    assert "Traceback" in log and "deliberate failure" in log and failed[0]["run_id"] in log


def test_execute_run_returns_failures_instead_of_raising():
    """`execute_run` reports an invalid run as failed with a traceback."""
    run = next(small().runs())
    bad = type(run)(run.index, {**run.params, "n_agents": -1}, run.seed, run.run_id)
    result = execute_run(bad)
    assert result["status"] == "failed" and "n_agents" in result["error"]
    assert "Traceback" in result["traceback"]


def test_time_series_are_written_as_parquet(tmp_path):
    """With [timeseries], each run gets a Parquet file with the chosen columns every k steps."""
    e = small(seeds=1, timeseries={"columns": ["n_active", "order"], "every": 10})
    run_sweep(e, tmp_path, workers=1, progress=False)
    files = sorted((tmp_path / "timeseries").glob("*.parquet"))
    assert len(files) == 4
    df = pd.read_parquet(files[0])
    assert list(df.columns) == ["Step", "n_active", "order"]
    assert list(df["Step"]) == [0, 10, 20, 30]


def test_time_series_metadata_names_the_run(tmp_path):
    """A time series file's metadata holds its run's id, parameters, seed, version and summary.

    Before, the file had a constant run_id column and no parameters: it named its run only
    through summary.csv.
    """
    e = small(seeds=1, timeseries={"columns": ["order"], "every": 10})
    run_sweep(e, tmp_path, workers=1, progress=False)
    rows = pd.read_csv(tmp_path / results.SUMMARY_FILE, keep_default_na=False)
    for path in sorted((tmp_path / "timeseries").glob("*.parquet")):
        meta = read_table(path).attrs
        (row,) = rows[rows["run_id"] == path.stem].to_dict("records")
        assert meta["run_id"] == path.stem and meta["seed"] == row["seed"]
        assert meta["version"] == row["version"] and meta["source"] == row["source"]
        for name in ("n_agents", "message_loss", "election"):
            assert meta["params"][name] == row[name], name
        assert meta["summary"]["steps"] == row["steps"] == 30
        assert meta["summary"]["leader_changes"] == row["leader_changes"]


def test_provenance_records_experiment_versions_and_sessions(tmp_path):
    """provenance.json holds the experiment text, package versions, git state and sessions."""
    e = small(seeds=1)
    run_sweep(e, tmp_path, workers=1, progress=False)
    run_sweep(e, tmp_path, workers=1, resume=True, progress=False)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["experiment"]["sweep"]["election"] == ["lowest_id", "none"]
    assert prov["sim_version"] == sim.__version__ and prov["packages"]["mesa"]
    assert len(prov["sessions"]) == 2 and prov["sessions"][1]["resume"] is True
    assert len(prov["sessions"][0]["source_sha256"]) == 64
    assert prov["numpy_simd"] == prov["sessions"][1]["numpy_simd"] == list(simd.targets())
    assert "git" in prov and (tmp_path / "experiment.toml").exists()


def test_resuming_under_other_simd_code_says_so(tmp_path, capsys, monkeypatch):
    """Results begun under other numpy SIMD code: the resumed sweep runs, with a notice."""
    e = small(seeds=1)
    run_sweep(e, tmp_path, workers=1, progress=False)
    assert "SIMD" not in capsys.readouterr().err
    monkeypatch.setattr(simd, "targets", lambda: ("X86_V3", "X86_V4", "baseline(X86_V2)"))
    run_sweep(e, tmp_path, workers=1, resume=True, progress=False)
    err = capsys.readouterr().err
    assert "was begun where numpy ran SIMD code" in err and "NPY_DISABLE_CPU_FEATURES" in err
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["sessions"][1]["numpy_simd"] == ["X86_V3", "X86_V4", "baseline(X86_V2)"]


def test_process_pool_gives_the_same_table_as_one_worker(tmp_path):
    """Two worker processes write exactly the bytes one in-process worker writes."""
    run_sweep(small(), tmp_path / "one", workers=1, progress=False)
    run_sweep(small(), tmp_path / "two", workers=2, progress=False)
    one = (tmp_path / "one" / "summary.csv").read_bytes()
    assert one == (tmp_path / "two" / "summary.csv").read_bytes()


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    """A sweep SIGKILLed mid-run and resumed gives byte-identical results to one left alone."""
    path = tmp_path / "exp.toml"
    path.write_text(SMALL.format(steps=60, seeds=5))
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = sweep_cli(path, killed, "--workers", "2")
    deadline = time.monotonic() + 60
    while count_rows(killed / "summary.csv") < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    partial = count_rows(killed / "summary.csv")
    assert 4 <= partial < 20, "the kill should land mid-sweep"
    resumed = sweep_cli(path, killed, "--workers", "2", "--resume")
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read().decode()
    run_sweep(parse_experiment_file(path), whole, workers=1, progress=False)
    assert (killed / "summary.csv").read_bytes() == (whole / "summary.csv").read_bytes()


def parse_experiment_file(path: Path):
    """Load an experiment file (helper for the kill test)."""
    from sim.research.experiment import load_experiment

    return load_experiment(path)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table(tmp_path):
    """The Dask executor on a LocalCluster writes exactly the table of the local pool."""
    pytest.importorskip("distributed")
    run_sweep(small(), tmp_path / "local", workers=1, progress=False)
    run_sweep(small(), tmp_path / "dask", workers=2, executor="dask", progress=False)
    local = (tmp_path / "local" / "summary.csv").read_bytes()
    assert local == (tmp_path / "dask" / "summary.csv").read_bytes()


@pytest.mark.slow
def test_dask_executor_connects_to_a_scheduler_address(tmp_path):
    """With --scheduler, the sweep runs on that cluster and writes the same table."""
    distributed = pytest.importorskip("distributed")
    run_sweep(small(seeds=1), tmp_path / "local", workers=1, progress=False)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        run_sweep(
            small(seeds=1),
            tmp_path / "remote",
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    local = (tmp_path / "local" / "summary.csv").read_bytes()
    assert local == (tmp_path / "remote" / "summary.csv").read_bytes()


def test_cli_reports_a_bad_file_in_one_line(tmp_path, capsys):
    """`swarm-sim sweep` on a bad file exits 2 with the key and allowed values, no traceback."""
    from sim.cli import main

    path = tmp_path / "bad.toml"
    path.write_text('steps = 10\nseeds = 2\n[sweep]\nelection = ["raft", "vote"]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "election must be one of" in err and "'vote'" in err and "Traceback" not in err


def test_cli_sweep_then_resume(tmp_path, capsys):
    """`swarm-sim sweep` writes the table; again with --resume it skips every finished run."""
    from sim.cli import main

    path = tmp_path / "exp.toml"
    path.write_text(SMALL.format(steps=10, seeds=1))
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--resume"]) == 0
    assert "0 runs" in capsys.readouterr().out.splitlines()[-1]
    assert len(rows(out)) == 4


def test_submissions_in_flight_are_bounded(monkeypatch):
    """The driver never has more than `limit` runs submitted and not yet handed over."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(sweep, "execute_run", lambda run, ts: {"run_id": run.run_id})
    seen, most = [], [0]

    class Counting(ThreadPoolExecutor):
        submitted = 0

        def submit(self, fn, /, *args, **kwargs):
            self.submitted += 1
            most[0] = max(most[0], self.submitted - len(seen))
            return super().submit(fn, *args, **kwargs)

    with Counting(2) as pool:
        sweep.drive(pool, small(steps=2).runs(), None, 3, lambda run, res: seen.append(run))
    assert len(seen) == 12 and most[0] == 3

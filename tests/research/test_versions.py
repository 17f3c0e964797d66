"""Mixed code versions: each row names its sources; resume and workers on other code are refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.research import provenance, sweep
from sim.research.experiment import parse_experiment
from sim.research.sweep import execute_run, run_sweep

SMALL = """
name = "small"
steps = 5
seeds = 1
[params]
n_agents = 4
[sweep]
message_loss = [0.0, 0.3]
"""
A, B = "a" * 64, "b" * 64


def small(seeds: int = 1):
    """Two grid points × `seeds`, five steps each."""
    data = {"name": "small", "steps": 5, "seeds": seeds, "params": {"n_agents": 4}}
    return parse_experiment({**data, "sweep": {"message_loss": [0.0, 0.3]}})


def sources(out: Path) -> list[str]:
    """The ``source`` column of a results folder's summary.csv."""
    with open(out / "summary.csv", newline="") as f:
        return [row["source"] for row in csv.DictReader(f)]


def hash_is(monkeypatch, value: str) -> None:
    """Pretend the `sim` sources hash to `value` (in this process: client and serial worker)."""
    monkeypatch.setattr(provenance, "source_hash", lambda: value)


def test_each_row_records_the_short_source_hash(tmp_path):
    """Every row's ``source`` is the first 12 digits of the hash provenance records."""
    run_sweep(small(), tmp_path, workers=1, progress=False)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert sources(tmp_path) == [prov["sessions"][0]["source_sha256"][:12]] * 2


def test_source_hash_is_computed_once_per_process(monkeypatch):
    """Hashing the sources reads the files once; later calls reuse the value."""
    provenance.source_hash.cache_clear()
    first = provenance.source_hash()
    monkeypatch.setattr(provenance, "SIM_ROOT", Path("/nonexistent"))
    assert provenance.source_hash() == first and len(first) == 64


def test_resume_under_other_sources_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    """Rows written by sources A, resumed under B: exit 2 naming both hashes, nothing added."""
    path = tmp_path / "exp.toml"
    path.write_text(SMALL)
    out = tmp_path / "o"
    hash_is(monkeypatch, A)
    run_sweep(small(1), out, workers=1, progress=False)
    hash_is(monkeypatch, B)
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "--resume"]
    before = (out / "summary.csv").read_bytes()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and A[:12] in err[0] and B[:12] in err[0] and "--allow-mixed" in err[0]
    assert (out / "summary.csv").read_bytes() == before


def test_allow_mixed_resumes_and_says_so(tmp_path, monkeypatch, capsys):
    """With --allow-mixed the resume proceeds, says so on stderr, and the file holds both hashes."""
    hash_is(monkeypatch, A)
    run_sweep(small(1), tmp_path, workers=1, progress=False)
    (tmp_path / "summary.csv").write_text(
        "".join((tmp_path / "summary.csv").read_text().splitlines(keepends=True)[:2])
    )  # one of the two rows lost: the resume reruns it
    hash_is(monkeypatch, B)
    report = run_sweep(small(1), tmp_path, workers=1, resume=True, allow_mixed=True, progress=False)
    assert report["ran"] == 1
    assert "--allow-mixed" in capsys.readouterr().err
    assert sorted(sources(tmp_path)) == [A[:12], B[:12]]
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["sessions"][-1]["allow_mixed"] is True


def test_a_worker_reports_its_own_sources(monkeypatch):
    """`execute_run` (the worker side) names the sources of the process it runs in."""
    hash_is(monkeypatch, B)
    result = execute_run(next(small().runs()))
    assert result["status"] == "ok" and result["source"] == B[:12]


def other_code_worker(monkeypatch) -> None:
    """Workers that run other code: their results carry another source hash than the client's."""
    real = sweep.execute_run
    monkeypatch.setattr(sweep, "execute_run", lambda run, ts: {**real(run, ts), "source": "b" * 12})


def test_rows_from_workers_on_other_sources_are_refused(tmp_path, monkeypatch):
    """A worker row computed on other code stops the sweep, naming both hashes; none is written."""
    other_code_worker(monkeypatch)
    here = provenance.short_hash()
    with pytest.raises(ValueError, match=f"bbbbbbbbbbbb, but these sources are {here}"):
        run_sweep(small(), tmp_path, workers=1, progress=False)
    assert sources(tmp_path) == []


def test_allow_mixed_accepts_worker_rows_with_their_hash(tmp_path, monkeypatch, capsys):
    """With allow_mixed, rows from other code are kept with the worker's hash, said once."""
    other_code_worker(monkeypatch)
    run_sweep(small(), tmp_path, workers=1, allow_mixed=True, progress=False)
    assert sources(tmp_path) == ["b" * 12] * 2
    assert capsys.readouterr().err.count("--allow-mixed") == 1


def test_rerun_names_the_recorded_and_current_sources(tmp_path, monkeypatch):
    """`rerun` reports both source hashes, so a difference can be put down to changed code."""
    from sim.research.rerun import rerun

    hash_is(monkeypatch, A)
    run_sweep(small(), tmp_path, workers=1, progress=False)
    hash_is(monkeypatch, B)
    rid = next(small().runs()).run_id
    report, diff = rerun(tmp_path, rid)
    assert report["recorded_source"] == A[:12] and report["source"] == B[:12] and diff == {}


def test_a_worker_that_does_not_report_its_sources_is_refused(tmp_path, monkeypatch):
    """A worker on code older than the source column (no ``source``) is not taken as this code."""
    real = sweep.execute_run

    def old(run, ts):
        result = real(run, ts)
        del result["source"]
        return result

    monkeypatch.setattr(sweep, "execute_run", old)
    with pytest.raises(ValueError, match="sim sources unknown"):
        run_sweep(small(), tmp_path, workers=1, progress=False)

"""What a sweep leaves in logs and provenance: progress lines, absolute file path, session end."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sim.cli import main
from sim.research.experiment import parse_experiment
from sim.research.sweep import LineProgress, run_sweep

SMALL = """
name = "small"
steps = 5
seeds = 3
[params]
n_agents = 4
[sweep]
message_loss = [0.0, 0.3]
election = ["lowest_id", "none"]
"""


def test_progress_in_a_log_is_a_few_plain_lines(tmp_path, capsys):
    """In a log (not a terminal): no carriage returns, a line per tenth at most, ending at 100%."""
    e = parse_experiment({"name": "small", "steps": 5, "seeds": 3, "params": {"n_agents": 4}})
    run_sweep(e, tmp_path, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert 1 <= len(lines) <= 10 and lines[-1] == "small: 3/3 runs (100%)"


def test_line_progress_prints_every_tenth_and_failures(capsys):
    """120 runs, 20 already done: one line per new tenth (9 of them), failures named."""
    bar = LineProgress(120, 20, "x")
    for i in range(100):
        if i == 50:
            bar.set_postfix(failed=2)
        bar.update(1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 9 and lines[0] == "x: 24/120 runs (20%)"
    assert lines[-1] == "x: 120/120 runs (100%, 2 failed)"


def test_provenance_has_the_absolute_file_and_session_ends(tmp_path, monkeypatch):
    """A relative experiment path is stored absolute; each session records when it ended."""
    monkeypatch.chdir(tmp_path)
    Path("exp.toml").write_text(SMALL.replace("seeds = 3", "seeds = 1"))
    assert main(["sweep", "exp.toml", "--out", "o", "--workers", "1"]) == 0
    assert main(["sweep", "exp.toml", "--out", "o", "--workers", "1", "--resume"]) == 0
    prov = json.loads(Path("o/provenance.json").read_text())
    assert prov["experiment_file"] == str(tmp_path.resolve() / "exp.toml")
    for session in prov["sessions"]:
        started = datetime.fromisoformat(session["started"])
        assert datetime.fromisoformat(session["ended"]) >= started and session["finished"] is True


def test_an_interrupted_session_records_its_end_as_unfinished(tmp_path, monkeypatch):
    """A sweep stopped by an error still records when it ended, with finished = false."""
    from sim.research import sweep

    def boom(run, ts):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "execute_run", boom)
    e = parse_experiment({"name": "small", "steps": 5, "seeds": 1, "params": {"n_agents": 4}})
    try:
        run_sweep(e, tmp_path, workers=1, progress=False)
    except KeyboardInterrupt:
        pass
    session = json.loads((tmp_path / "provenance.json").read_text())["sessions"][-1]
    assert session["finished"] is False and session["ended"]

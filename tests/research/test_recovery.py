"""Why a run never recovered its leader (sim.research.recovery): each class, and the check fails."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from sim.components.harness import chain, hop_diameter
from sim.research.experiment import load_experiment
from sim.research.recovery import class_table, classify, main, scan, stuck_stretches, trace
from sim.research.sweep import run_sweep
from sim.research.tables import read_table

BASE = dict(n_agents=10, max_steps=500)


def test_raft_below_a_majority_cannot_replace_its_leader():
    """Five followers gone, then the leader: four of ten cannot elect in raft (class a)."""
    gone = [[10 + k, uid] for k, uid in enumerate(range(2, 7))]
    out = classify(dict(BASE, election="raft", scheduled_dropouts=gone, leader_dropout_at=60), 1)
    assert out["cls"] == "a_no_majority"
    assert out["lost_at"] == 60 and out["alive_after_loss"] == 4
    assert out["longest_unled"] == 0  # no step after the loss had a part raft must lead


def test_the_last_agent_alive_leading_itself_drops_out():
    """lowest_id: everyone else gone, then the leader: nobody left to lead (class a)."""
    gone = [[10, 2], [11, 3], [60, 1]]
    out = classify(dict(BASE, n_agents=3, election="lowest_id", scheduled_dropouts=gone), 2)
    assert out["cls"] == "a_nobody_left" and out["alive_after_loss"] == 0


def test_a_loss_just_before_the_end_is_inside_the_bound():
    """The leader drops out five steps before max_steps: the run ended inside the bound."""
    out = classify(dict(BASE, election="succession", leader_dropout_at=495), 3)
    assert out["cls"] == "a_ended_in_bound" and out["longest_unled"] <= 6


def test_a_majority_lost_within_the_bound_is_faults_too_fast():
    """Raft keeps a bare majority after the loss, then loses it within the bound (class c)."""
    gone = [[10, 2], [11, 3], [12, 4], [60, 1], [64, 5]]  # leader, then a voter 4 steps later
    out = classify(dict(BASE, election="raft", scheduled_dropouts=gone), 4)
    assert out["cls"] == "c_faults_too_fast"
    assert out["alive_after_loss"] == 6 and out["alive_end"] == 5


def test_a_group_that_recovers_is_recovered():
    """A plain leader loss in a full group is recovered (no class to explain)."""
    for election in ("raft", "lowest_id", "succession"):
        out = classify(dict(BASE, election=election, leader_dropout_at=100), 5)
        assert out == {"cls": "recovered", "lost_at": None}, election


def test_a_group_that_never_elects_is_found_stuck():
    """The check can fail: with election = none a full group stays leaderless (class b)."""
    out = classify(dict(BASE, election="none", leader_dropout_at=50), 6)
    assert out["cls"] == "b_stuck"
    (window,) = out["stuck"]
    assert window["t"] == 50 and len(window["rows"]) == 9 and window["steps"] > window["bound"]


def test_class_table_counts_per_election_and_class():
    """The printed table has one row per election, a column per class seen, and totals."""
    rows = [dict(election="raft", cls="a_no_majority")] * 2 + [
        dict(election="lowest_id", cls="c_faults_too_fast")
    ]
    lines = class_table(rows, ["raft", "lowest_id"]).splitlines()
    assert lines[0].split() == ["election", "a_no_majority", "c_faults_too_fast", "total"]
    assert lines[1].split() == ["raft", "2", "0", "2"]
    assert lines[2].split() == ["lowest_id", "0", "1", "1"]


def test_a_folder_without_summary_is_one_clear_error(tmp_path, capsys):
    """Not a results folder: one line on stderr naming it, exit 2."""
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path) in err[0] and "summary.csv" in err[0]


@pytest.mark.parametrize(("rows", "expected"), [([0, 1, 2, 3, 4], 4), ([1, 2, 3], 2), ([2], 0)])
def test_hop_diameter_of_a_part(rows, expected):
    """The hop diameter counts only links inside the part."""
    assert hop_diameter(chain(5), np.array(rows)) == expected


@pytest.mark.parametrize("election", ["raft", "lowest_id", "succession"])
def test_moving_groups_under_random_dropouts_are_never_stuck(election):
    """The liveness guarantee holds in the moving model: no eligible part stays unled too long."""
    params = dict(n_agents=10, dropout_rate=0.001, message_loss=0.2, max_steps=1200)
    changes = 0
    for seed in (0, 1):
        model, steps = trace(dict(params, election=election), seed)
        changes += model.leadership.changes
        assert scan(model.params, steps, 1)["stuck"] == [], (election, seed)
    assert changes >= 1  # leaders were lost and replaced: the check had elections to judge


def test_a_whole_run_without_elections_has_stuck_stretches():
    """The whole-run check can fail: election = none leaves the group unled after a loss."""
    stuck = stuck_stretches(dict(BASE, election="none", leader_dropout_at=50), 6)
    assert [w["t"] for w in stuck] == [50]


def test_a_results_folder_is_classified_and_checked_against_its_record(tmp_path, capsys):
    """End to end: a tiny sweep's never-recovered runs are re-run, classed, checked identical."""
    toml = tmp_path / "exp.toml"
    toml.write_text(
        'name = "lost-majority"\nsteps = 300\nseeds = 2\n[params]\nn_agents = 10\n'
        "leader_dropout_at = 60\n"
        "scheduled_dropouts = [[10, 2], [11, 3], [12, 4], [13, 5], [14, 6]]\n"
        '[sweep]\nelection = ["raft", "lowest_id"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "results"
    run_sweep(load_experiment(toml), out, workers=1, progress=False)
    assert main([str(out), "--csv", str(tmp_path / "c.csv")]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1].split() == ["raft", "2", "2"]  # a_no_majority, total
    assert "2 runs re-run, 0 with a summary other than the recorded one" in text
    table = read_table(tmp_path / "c.csv")
    assert len(table) == 2 and set(table["election"]) == {"raft"} and table["identical"].all()
    summary = out / "summary.csv"
    with open(summary, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    next(r for r in rows if r["election"] == "raft")["leaderless_steps"] = "1"  # a stale record
    with open(summary, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main([str(out)]) == 0
    assert "2 runs re-run, 1 with a summary other than the recorded one" in capsys.readouterr().out

"""Branch here without a browser: the session forks B off A, labels, exports and ends it."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from sim.ui import branch, export, frames  # noqa: E402
from sim.ui.session import Session  # noqa: E402


def fresh(steps: int = 50) -> Session:
    """The default lesson, stepped `steps` times."""
    s = Session()
    s.step(steps)
    return s


def same(a, b) -> bool:
    """Two swarms at the same step, every agent in the same place with the same velocity."""
    return a.time == b.time and np.array_equal(a.pos, b.pos) and np.array_equal(a.vel, b.vel)


def test_branching_after_a_seek_forks_b_at_the_step_shown_and_play_steps_both():
    """Back to 30 from 50, branch (drop the leader): B = A up to 30, differs after; both step."""
    s = fresh(50)
    s.seek(30)
    leader = int(s.model.ids[s.model.leader])
    b = branch.branch_here(s, "drop the leader")
    assert (b.step, b.change) == (30, f"leader (agent {leader}) dropped")
    assert len(s.models) == 2 and s.compare is None
    assert np.array_equal(s.models[0].pos, s.models[1].pos)
    assert s.models[0].active[leader - 1] and not s.models[1].active[leader - 1]
    s.step(40)
    a, bm = s.models
    assert a.time == bm.time == 70 and not np.array_equal(a.pos, bm.pos)
    assert a.time == 70 and s.timelines[0].latest == 70  # A re-created its known future
    for t in (0, 12, 29):
        s.seek(t)
        assert same(*s.models), t
    s.seek(45)
    assert not same(*s.models)


def test_labels_say_where_b_branched_and_what_it_got():
    """The views' labels and the CSV's swarm column name the branch step and the change."""
    s = fresh(20)
    branch.branch_here(s, branch.PARAM, "0.4", "message_loss")
    a, b = frames.compare_labels(s)
    assert a == "A: as it was" and b == "B: branched at t=20, message loss 0.4"
    assert s.models[1].params.message_loss == 0.4 and s.models[0].params.message_loss != 0.4
    s.step(15)
    table = pd.read_csv(io.BytesIO(export.csv_bytes(s.models, (a, b), branch.csv_starts(s))))
    rows_a, rows_b = table[table["swarm"] == a], table[table["swarm"] == b]
    assert list(rows_a["Step"]) == list(range(36)) and list(rows_b["Step"]) == list(range(20, 36))
    assert set(rows_b["message_loss"]) == {0.4}


def test_a_change_undone_by_an_earlier_fault_in_both_is_labelled_so():
    """A fault in both swarms before the branch step replaces B's future: the label says so."""
    s = fresh(40)
    branch.branch_here(s, "lose positioning")
    s.seek(10)
    s.drop_agent(5)  # both swarms, at step 10: B's known future (its change at 40) is gone
    assert "undone" in frames.compare_labels(s)[1]


@pytest.mark.parametrize(
    "args,words",
    [
        ((branch.PARAM, "1.7", "message_loss"), r"message_loss must be a number in \[0, 1\]"),
        ((branch.PARAM, "0", "heartbeat_period"), r"heartbeat_period must be an integer in \[1"),
        ((branch.PARAM, "3", "n_agents"), "only these parameters can change mid-run"),
        ((branch.PARAM, "0.1", "message_loss"), "message_loss is 0.1 in A already"),
        (("jam communications", "lots"), r"jam steps must be a whole number in \[1, 10000\]"),
        (("grow wings",), "branch change must be one of drop the leader"),
    ],
)
def test_bad_input_is_refused_and_leaves_the_session_as_it_was(args, words):
    """A refused branch names the parameter and its range; no swarm B appears."""
    s = Session(preset=None)
    s.set_param("message_loss", 0.1)
    s.reset()
    s.step(10)
    with pytest.raises(ValueError, match=words):
        branch.branch_here(s, *args)
    assert len(s.models) == 1 and s.branch is None and s.model.time == 10


def test_reset_leaving_compare_and_end_branch_end_it():
    """Reset and compare mode rebuild from the start; End branch keeps A where it is."""
    s = fresh(15)
    branch.branch_here(s, "drop a random agent")
    s.reset()
    assert s.branch is None and len(s.models) == 1 and s.model.time == 0
    s.step(15)
    branch.branch_here(s, "jam communications", "25")
    assert s.branch.change == "communications jammed for 25 steps"
    s.set_compare(None)
    assert s.branch is None and len(s.models) == 1
    s.step(15)
    branch.branch_here(s, "drop the leader")
    a = s.model
    branch.end_branch(s)
    assert s.branch is None and s.models == [a] and frames.compare_labels(s) == ("", "")


def test_branching_a_finished_mission_asks_to_go_back():
    """At the end of a run there is nothing to branch: the message says to seek back."""
    s = Session(preset=None)
    s.set_param("max_steps", 30)
    s.reset()
    s.step(40)
    with pytest.raises(ValueError, match="mission is over at t=30: go back on the timeline"):
        branch.branch_here(s, "drop the leader")

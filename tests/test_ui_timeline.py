"""The page's timeline without a browser: the session seeks, plays on, and marks the events."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("solara")

from sim.ui import frames  # noqa: E402
from sim.ui.session import Session  # noqa: E402
from sim.ui.state import _new_state  # noqa: E402


def played(session: Session, until: int, faults: dict) -> list[tuple]:
    """Step `session` to `until`, pressing the fault buttons in `faults` (step -> [name])."""
    shown = []
    for t in range(until + 1):
        if t:
            session.step()
        for name, *args in faults.get(t, ()):
            getattr(session, name)(*args)
        m = session.model
        shown.append(
            (m.time, m.leader, m.pos.tobytes(), len(m.events), frames.status_text(session))
        )
    return shown


FAULTS = {
    10: [("drop_leader",)],
    25: [("drop_agent", 6), ("jam", "4")],
    31: [("lose_positioning",)],
}


def test_seek_shows_an_earlier_step_and_play_on_repeats_the_run():
    """Back to 5, 10 and 30: the status and state of then; stepping on reaches the same end."""
    s = Session(preset=None)
    shown = played(s, 60, FAULTS)
    end = s.model
    for back in (5, 10, 30, 0):
        runs = list(s.runs)
        s.seek(back)
        m = s.model
        assert m is s.timelines[0].model and s.runs[0] > runs[0]  # a new run: fresh trails
        assert (m.time, m.leader, m.pos.tobytes(), len(m.events), frames.status_text(s)) == (
            shown[back]
        )
        assert max(frames.chart_data(m)["t"]) == back  # the charts stop at that step
        assert all(f"t={back + 1} " not in line for line in frames.event_lines(m))
    s.step(60)
    assert np.array_equal(s.model.pos, end.pos) and s.model.events == end.events
    assert frames.status_text(s) == shown[60][4]


def test_a_fault_after_seeking_back_replaces_the_rest_of_the_run():
    """Dropping an agent at step 20 after a rewind ends the timeline there."""
    s = Session(preset=None)
    played(s, 40, FAULTS)
    s.seek(20)
    s.drop_agent(3)
    assert s.latest == 20
    assert frames.timeline_payload(s)["latest"] == 20
    with pytest.raises(ValueError, match=r"\[0, 20\]"):
        s.seek(30)


def test_compare_mode_seeks_both_swarms():
    """In compare mode both swarms go to the step together."""
    s = Session(preset=None)
    s.set_compare("election", "none")
    played(s, 30, FAULTS)
    s.seek(12)
    assert [m.time for m in s.models] == [12, 12]
    assert [m is line.model for m, line in zip(s.models, s.timelines, strict=True)] == [True, True]


@pytest.mark.parametrize("bad", [-1, 31, 2.5, "7", None])
def test_a_bad_seek_is_a_message_not_a_traceback(bad):
    """The page state turns a seek outside [0, latest] into its message line."""
    state = _new_state(Session(preset=None))
    state.session.step(30)
    assert not state.guarded(state.seek, bad)
    assert "[0, 30]" in state.message.value
    assert state.session.model.time == 30


def test_timeline_marks_the_recovery_story():
    """Leader lost, new leader and mission end are marked, once per step and kind."""
    events = [
        (3, "dropout", 4, "follower"),
        (10, "dropout", 1, "leader"),
        (14, "leader_lost_detected", 2, ""),
        (14, "leader_lost_detected", 3, ""),
        (20, "leader_elected", 2, "term 2"),
        (20, "leader_elected", 2, "term 2"),
        (26, "recovered", 2, ""),
        (90, "mission_complete", 2, "route done"),
    ]
    marks = frames.timeline_marks(events)
    assert [m[:2] for m in marks] == [[10, "lost"], [20, "elected"], [26, "recovered"], [90, "end"]]
    assert "agent 1" in marks[0][2] and "agent 2" in marks[1][2]
    many = [(t, "leader_elected", 2, "") for t in range(1000)]
    assert len(frames.timeline_marks(many)) <= frames.MAX_MARKS

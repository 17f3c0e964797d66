"""Timeline: a rewound-and-replayed run equals the uninterrupted one, bit for bit."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from sim import timeline as timeline_module
from sim.model import SwarmModel
from sim.timeline import Timeline

PARAMS = dict(n_agents=12, election="raft", message_loss=0.2, dropout_rate=0.002, rng=11)
END = 120
# the user's interventions: step -> [(verb, args), ...], applied after that step, in order
PLAN = {
    0: [("jam_communications", (3,))],
    30: [("drop_leader", ())],
    45: [("drop_agent", (4,)), ("drop_agent", (9,))],
    60: [("jam_communications", (5,))],
    70: [("add_waypoint", ((50.0, 60.0),))],
    80: [("lose_positioning", ())],
}


def state(model) -> dict:
    """Everything a run's state is made of, in a form `==` compares exactly."""
    return {
        "time": model.time,
        "arrays": [a.tobytes() for a in (model.pos, model.vel, model.estimate, model.active)],
        "leader": model.leader,
        "leaders": model.is_leader.tobytes(),
        "elections": list(model.elections),
        "events": list(model.events),
        "rng": model.rng.bit_generator.state,
        "random": model.random.getstate(),
        "running": model.running,
    }


def assert_same(a, b) -> None:
    """Two models hold the same state, the data collector's frame included."""
    assert state(a) == state(b)
    assert np.array_equal(a.pos, b.pos) and np.array_equal(a.vel, b.vel)
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe()
    )


def reference(until: int = END, plan=PLAN) -> list[dict]:
    """The uninterrupted run with the plan's interventions: its state at every step."""
    model = SwarmModel(**PARAMS)
    states = []
    for t in range(until + 1):
        if t:
            model.step()
        for verb, args in plan.get(t, ()):
            getattr(model, verb)(*args)
        states.append(state(model))
    return states, model


def run(every: int | None = 10, until: int = END, plan=PLAN) -> Timeline:
    """The same run through a timeline."""
    tl = Timeline(SwarmModel(**PARAMS), every=every)
    for t in range(until + 1):
        if t:
            tl.step()
        for verb, args in plan.get(t, ()):
            tl.apply(verb, *args)
    return tl


@pytest.fixture(scope="module")
def truth():
    return reference()


@pytest.mark.parametrize("back_to", [0, 10, 29, 30, 31, 45, 59, 70, 119])
def test_rewind_then_replay_equals_the_uninterrupted_run(truth, back_to):
    """Seek back (onto a snapshot, between two, onto an intervention) and play on: same run."""
    states, end_model = truth
    tl = run(every=10)
    assert_same(tl.model, end_model)
    model = tl.seek(back_to)
    assert model is tl.model
    assert state(model) == states[back_to]  # the state shown at that step, after its faults
    assert len(model.datacollector.times) == back_to + 1  # the charts stop at that step
    while tl.model.time < END:
        tl.step()
    assert_same(tl.model, end_model)


def test_seek_back_and_forth_within_the_known_run(truth):
    """Seeks in any order land on the states of the uninterrupted run."""
    states, end_model = truth
    tl = run(every=7)
    for step in (50, 12, 13, 99, 98, 0, 120, 64, 65, 80):
        assert state(tl.seek(step)) == states[step]
    tl.seek(END)
    assert_same(tl.model, end_model)


def test_spacing_by_cost_replays_exactly(truth):
    """Snapshots spaced by their cost (the default) still give the same states."""
    states, end_model = truth
    tl = run(every=None)
    assert len(tl.times) < END  # not a snapshot every step
    for step in (5, 33, 77):
        assert state(tl.seek(step)) == states[step]
    while tl.model.time < END:
        tl.step()
    assert_same(tl.model, end_model)


def test_an_intervention_after_a_rewind_replaces_the_future():
    """Rewound to 20, a new fault there drops the later plan; the run is the one with it at 20."""
    new_plan = {t: v for t, v in PLAN.items() if t <= 20}
    new_plan[20] = [("drop_agent", (5,))]
    states, end_model = reference(plan=new_plan)
    tl = run(every=10)
    tl.seek(20)
    tl.apply("drop_agent", 5)
    assert tl.latest == 20
    assert all(t <= 20 for t, *_ in tl.events())
    assert all(t <= 20 for t, *_ in tl.interventions)
    assert all(t <= 20 for t in tl.times)
    with pytest.raises(ValueError, match=r"\[0, 20\]"):
        tl.seek(21)  # the old future is gone
    while tl.model.time < END:
        tl.step()
    assert_same(tl.model, end_model)
    assert state(tl.seek(57)) == states[57]


def test_stepping_on_after_a_rewind_keeps_the_future(truth):
    """Without an intervention, stepping on re-creates the known run: nothing is forgotten."""
    states, _ = truth
    tl = run(every=10)
    tl.seek(25)
    for _ in range(10):
        tl.step()
    assert tl.latest == END
    assert state(tl.model) == states[35]
    assert [t for t, *_ in tl.interventions] == [t for t, v in PLAN.items() for _ in v]
    assert state(tl.seek(END)) == states[END]


@pytest.mark.parametrize("bad", [-1, 121, 2.5, True, "3"])
def test_seek_outside_the_known_run_is_an_error(bad):
    """A step never reached (or not a whole number) raises ValueError naming the range."""
    tl = run(every=10)
    with pytest.raises(ValueError, match=r"\[0, 120\]"):
        tl.seek(bad)
    assert tl.model.time == END  # and nothing moved


def test_events_cover_the_known_run_after_a_rewind(truth):
    """The timeline's events are the whole run's, the rewound model's only up to its step."""
    _, end_model = truth
    tl = run(every=10)
    tl.seek(40)
    assert tl.events() == end_model.events
    assert all(t <= 40 for t, *_ in tl.model.events)


def test_memory_is_capped_by_thinning(monkeypatch, truth):
    """Past MAX_BYTES every second snapshot goes and the rest are spaced twice as far."""
    states, _ = truth
    tl = Timeline(SwarmModel(**PARAMS), every=2)
    monkeypatch.setattr(timeline_module, "MAX_BYTES", 8 * len(tl.blobs[0]))
    tl = run(every=2)
    assert tl.spacing > 1
    assert len(tl.blobs) < END // 2
    for step in (3, 61, 118):
        assert state(tl.seek(step)) == states[step]


def test_kept_attributes_are_shared_not_copied():
    """A lock named in `keep` is the same object in every restored model."""
    model = SwarmModel(**PARAMS)
    model.lock = lock = threading.RLock()
    tl = Timeline(model, every=5, keep=("lock",))
    for _ in range(12):
        tl.step()
    assert tl.seek(3).lock is lock
    assert tl.seek(7) is not model


@pytest.mark.parametrize("every", [0, -3, 1.5, True])
def test_every_must_be_a_whole_number(every):
    """A snapshot interval that is not a whole number >= 1 is refused, naming the field."""
    with pytest.raises(ValueError, match="every"):
        Timeline(SwarmModel(n_agents=3, rng=1), every=every)


@pytest.mark.parametrize(("first", "last"), [(0, 5), (25, 47), (68, 120), (120, 120)])
def test_replay_shows_each_step_of_a_stretch_and_leaves_the_model_alone(truth, first, last):
    """replay(a, b) yields the states of steps a..b as shown then; the timeline stays put."""
    states, _ = truth
    tl = run()
    before = state(tl.model)
    got = [state(m) for m in tl.replay(first, last)]
    assert got == states[first : last + 1]
    assert state(tl.model) == before and tl.model.time == END


@pytest.mark.parametrize(("first", "last"), [(-1, 5), (5, END + 1), (9, 8), (1.5, 4)])
def test_replay_outside_the_known_run_is_an_error(first, last):
    """A replay of steps not reached (or backwards) is refused, naming the allowed steps."""
    tl = run(until=20)
    with pytest.raises(ValueError, match=r"step"):
        list(tl.replay(first, last))

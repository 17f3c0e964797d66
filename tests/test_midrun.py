"""Mid-run changes and forks: a branch equals its uninterrupted run, and differs only after it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.midrun import LIVE_PARAMS, change_param
from sim.model import SwarmModel
from sim.timeline import Timeline

PARAMS = dict(n_agents=12, election="raft", message_loss=0.2, dropout_rate=0.002, rng=5)
K = 40  # the branch step
END = 100
# a value for B that differs from the run's own
NEW = {"message_loss": 0.7, "heartbeat_period": 4, "position_noise": 2.0, "drift_noise": 0.5}


def state(model) -> dict:
    """Everything a run's state is made of, in a form `==` compares exactly."""
    return {
        "time": model.time,
        "arrays": [a.tobytes() for a in (model.pos, model.vel, model.estimate, model.active)],
        "leader": model.leader,
        "elections": list(model.elections),
        "events": list(model.events),
        "rng": model.rng.bit_generator.state,
        "messages": model.message_counts(),
    }


def same_place(a, b) -> bool:
    """True when two models are at the same step with the same agents in the same places."""
    return a.time == b.time and np.array_equal(a.pos, b.pos) and np.array_equal(a.vel, b.vel)


def uninterrupted(verb: str, *args, until: int = END) -> list[dict]:
    """B as one run: stepped to K, `verb` applied there, stepped on; its state at every step."""
    model = SwarmModel(**PARAMS)
    states = [state(model)]
    for t in range(1, until + 1):
        model.step()
        if t == K:
            getattr(model, verb)(*args)
        states.append(state(model))
    return states


@pytest.mark.parametrize(
    "verb,args", [("drop_leader", ()), ("change_param", ("message_loss", 0.7))]
)
def test_a_fork_played_rewound_and_replayed_equals_the_uninterrupted_branch(verb, args):
    """B forked at K (after A went past K and back), then rewound and replayed: bit for bit."""
    expected = uninterrupted(verb, *args)
    a = Timeline(SwarmModel(**PARAMS), every=15)
    for _ in range(K + 25):
        a.step()
    a.seek(K)  # the fork is taken after going back on A's timeline
    b = a.fork()
    b.apply(verb, *args)
    for _ in range(END - K):
        b.step()
    assert state(b.model) == expected[END]
    for back in (K + 7, K, K - 13, 3):  # into B's own future, onto the fork, into the shared past
        assert state(b.seek(back)) == expected[back]
        for _ in range(END - back):
            b.step()
        assert state(b.model) == expected[END]


def test_a_and_b_are_equal_up_to_the_fork_and_differ_after_a_fault():
    """A and B share every step up to K; B's dropped leader makes them differ from then on."""
    a = Timeline(SwarmModel(**PARAMS), every=15)
    for _ in range(K):
        a.step()
    b = a.fork()
    b.apply("drop_leader")
    for _ in range(END - K):
        a.step()
        b.step()
    for t in range(0, K):
        assert same_place(a.seek(t), b.seek(t)), t
    at_a, at_b = a.seek(K), b.seek(K)  # the fault comes after step K's move: same places
    assert np.array_equal(at_a.pos, at_b.pos) and at_a.leader != at_b.leader
    for t in range(K + 1, END + 1, 5):
        assert not same_place(a.seek(t), b.seek(t)), t
    assert len(a.interventions) == 0 and b.interventions == [(K, "drop_leader", ())]


def test_a_fork_does_not_touch_the_original():
    """Stepping and faulting the fork leaves the original's model, future and history alone."""
    a = Timeline(SwarmModel(**PARAMS), every=10)
    for _ in range(K + 20):
        a.step()
    a.seek(K)
    before = state(a.model)
    b = a.fork()
    b.apply("drop_leader")
    b.step()
    assert state(a.model) == before and a.latest == K + 20 and a.interventions == []
    assert b.latest == K + 1 and b.model is not a.model


@pytest.mark.parametrize("name", list(LIVE_PARAMS))
def test_each_live_parameter_is_read_after_it_changes(name):
    """Changing a live parameter at K changes the run from K on (the model reads it afresh)."""
    models = [SwarmModel(**PARAMS), SwarmModel(**PARAMS)]
    for m in models:
        if name == "drift_noise":
            m.lose_positioning()  # drift matters only for dead reckoning
        m.run(K)
    assert state(models[0]) == state(models[1])
    change_param(models[1], name, NEW[name])
    assert getattr(models[1].params, name) == NEW[name]
    for m in models:
        m.run(30)
    moved = [state(m)["arrays"] + [m.message_counts()] for m in models]  # (not the event log)
    assert moved[0] != moved[1]


def test_message_loss_of_one_stops_every_message_at_once():
    """Loss set to 1 mid-run: no message is delivered from the next step on (delay 0)."""
    model = SwarmModel(n_agents=10, message_loss=0.0, comm_delay=0, rng=3)
    model.run(20)
    sent, delivered = model.message_counts()
    assert delivered > 0
    model.change_param("message_loss", 1.0)
    model.run(20)
    assert model.message_counts()[1] == delivered
    assert model.message_counts()[0] > sent  # (leaders still send: the messages are lost)


def test_a_change_is_logged_as_an_event():
    """The event log says what changed, from which value to which."""
    model = SwarmModel(n_agents=6, message_loss=0.1, rng=1)
    model.run(5)
    model.change_param("message_loss", 0.4)
    assert model.events[-1] == (5, "param_changed", -1, "message_loss 0.1 -> 0.4")


@pytest.mark.parametrize(
    "name,value,words",
    [
        ("message_loss", 1.5, "message_loss must be a number in [0, 1]"),
        ("heartbeat_period", 0, "heartbeat_period must be an integer in [1, 1000]"),
        ("n_agents", 20, "only these parameters can change mid-run: message_loss"),
        ("comm_delay", 3, "only these parameters can change mid-run"),
    ],
)
def test_bad_changes_are_refused_naming_the_parameter_and_range(name, value, words):
    """Out of range, or not a parameter that may change mid-run: ValueError, run unchanged."""
    model = SwarmModel(n_agents=6, rng=1)
    model.run(3)
    before = state(model), model.params
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        model.change_param(name, value)
    assert (state(model), model.params) == before

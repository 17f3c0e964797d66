"""Message traffic made visible: what a traced network notes of each step's messages."""

from __future__ import annotations

import numpy as np

from sim import SwarmModel
from sim.traffic import HEARTBEAT, REQUEST, VOTE, Traffic


def traced(steps: int, **kw) -> tuple[SwarmModel, list]:
    """A model whose network is traced, run `steps` steps; each step's (t, pulses, links)."""
    model = SwarmModel(**{"n_agents": 10, "rng": 3, **kw})
    model.network.trace(True)
    seen = []
    for _ in range(steps):
        model.step()
        t = int(model.time)
        seen.append((t, model.network.traffic.pulses(t), model.network.pairs.copy()))
    return model, seen


def test_heartbeats_travel_along_links_from_agents_that_heard_them():
    """A heartbeat step notes heartbeats, each on a link of that step, none lost without loss."""
    _, seen = traced(12)
    beats = [(t, p, links) for t, p, links in seen if np.count_nonzero(p[2] == HEARTBEAT)]
    assert len(beats) >= 5  # relayed every step, sent every heartbeat_period
    for _, (src, dst, kind, lost), links in beats:
        pairs = {tuple(sorted(pair)) for pair in links.tolist()}
        assert all(tuple(sorted((a, b))) in pairs for a, b in zip(src, dst, strict=True))
        assert not lost.any()
        assert set(kind.tolist()) == {HEARTBEAT}


def test_with_every_message_lost_every_pulse_is_lost():
    """message_loss = 1: messages are still sent and noted, and every one of them is lost."""
    _, seen = traced(10, message_loss=1.0)
    lost = np.concatenate([p[3] for _, p, _ in seen])
    assert len(lost) > 0
    assert lost.all()


def test_an_election_notes_requests_and_votes():
    """A Raft election after the leader drops out notes vote requests and votes."""
    _, seen = traced(60, election="raft", leader_dropout_at=20)
    kinds = np.concatenate([p[2] for t, p, _ in seen if t > 20])
    assert np.count_nonzero(kinds == REQUEST) > 0
    assert np.count_nonzero(kinds == VOTE) > 0
    before = np.concatenate([p[2] for t, p, _ in seen if t < 20])
    assert set(before.tolist()) == {HEARTBEAT}  # no election while the leader lives


def test_tracing_changes_nothing_and_untraced_runs_note_nothing():
    """A traced run is the same run (no random numbers drawn); an untraced one keeps no log."""
    a = SwarmModel(n_agents=12, rng=5, message_loss=0.3, election="raft", leader_dropout_at=15)
    b = SwarmModel(n_agents=12, rng=5, message_loss=0.3, election="raft", leader_dropout_at=15)
    b.network.trace(True)
    a.run(80)
    b.run(80)
    assert np.array_equal(a.pos, b.pos)
    assert a.message_counts() == b.message_counts()
    assert a.network.traffic is None
    b.network.trace(False)
    assert b.network.traffic is None
    assert all(c.tap is None for c in b.network.channels.values())


def test_a_crowded_step_keeps_the_cap_and_every_kind():
    """Above the cap, the rare kind is kept whole and the total still counts every message."""
    traffic = Traffic(cap=100)
    many = np.arange(5000)
    traffic.note(7, HEARTBEAT, many, many + 1, None)
    traffic.note(7, VOTE, np.arange(3), np.arange(3) + 1, np.array([True, False, True]))
    src, dst, kind, lost = traffic.pulses(7)
    assert len(src) <= 100
    assert np.count_nonzero(kind == VOTE) == 3
    assert np.count_nonzero(kind == HEARTBEAT) >= 90  # the rest of the room
    assert lost.tolist().count(True) == 1
    assert traffic.total == 5003
    assert len(traffic.pulses(8)[0]) == 0  # another step's messages are not this step's
    traffic.note(8, HEARTBEAT, many[:2], many[:2] + 1, False)
    assert traffic.total == 2 and traffic.pulses(8)[3].all()  # a new step starts afresh


def test_a_traced_model_can_be_rewound():
    """The UI traces messages and its timeline pickles the model: tracing must not prevent that.

    (A tap was a lambda: Play in the page stopped at its first snapshot with a pickling error.)
    """
    from sim.timeline import Timeline

    traced = SwarmModel(preset="leader_handover")
    traced.network.trace(True)
    line = Timeline(traced, every=5)
    for _ in range(12):
        line.step()
    line.seek(3)
    assert int(line.model.time) == 3
    plain = SwarmModel(preset="leader_handover")
    for _ in range(3):
        plain.step()
    assert np.array_equal(line.model.pos, plain.pos)

"""Leader election over lossy links: lowest_id, raft, succession, and what they cost."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from sim import SwarmModel


def hop_diameter(model) -> int:
    """Largest hop distance between active agents in the current link graph."""
    act = np.flatnonzero(model.active)
    links = np.searchsorted(act, model.links())
    n = len(act)
    adj = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    d = shortest_path(adj, directed=False, unweighted=True)
    return int(d[np.isfinite(d)].max())


def election_phase(model) -> tuple[float, float]:
    """(detection delay, election duration) of the first leader loss in a finished run."""
    kinds = {}
    for t, kind, _, _ in model.events:
        kinds.setdefault(kind, t)
    return (
        kinds["leader_lost_detected"] - kinds["dropout"],
        kinds["leader_elected"] - kinds["leader_lost_detected"],
    )


def test_lowest_id_elects_lowest_live_id_within_diameter_rounds():
    """No loss, no delay: the lowest live id wins, and FloodMin settles within diam rounds."""
    model = SwarmModel(
        n_agents=14,
        formation="column",
        spacing=4.0,
        comm_range=7.5,
        election="lowest_id",
        leader_dropout_at=80,
        rng=5,
        max_steps=400,
    )
    model.run(80)
    diameters = []
    while not model.elections and model.time < 200:
        model.step()
        diameters.append(hop_diameter(model))
    assert model.elections[0][1] == 2  # row 1 = unique_id 2, the lowest live id
    rounds = model.election.rounds[-1]
    assert rounds <= max(diameters)
    assert rounds >= 6  # a long chain: many rounds were needed


@pytest.mark.parametrize("seed", range(5))
def test_lowest_id_winner_is_lowest_in_group(seed):
    """After random dropouts and a leader loss, the winner is the lowest live id."""
    model = SwarmModel(
        n_agents=20, election="lowest_id", leader_dropout_at=100, rng=seed, max_steps=300
    )
    model.run(60)
    for uid in model.rng.choice(np.arange(2, 21), 4, replace=False):
        model.drop_agent(int(uid))
    model.run(150)
    winner = model.elections[0][1]
    assert winner == int(model.ids[model.active].min())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loss=st.floats(0, 0.7),
    delay=st.integers(0, 3),
    seed=st.integers(0, 10_000),
    dropout=st.floats(0, 0.003),
)
def test_raft_never_two_leaders_in_one_term(loss, delay, seed, dropout):
    """Raft: every term has at most one winner, whatever the loss, delay and dropouts."""
    model = SwarmModel(
        n_agents=12,
        election="raft",
        message_loss=loss,
        comm_delay=delay,
        dropout_rate=dropout,
        leader_dropout_at=60,
        rng=seed,
        max_steps=400,
    )
    model.run()
    terms = [term for _, _, term in model.elections]
    assert len(terms) == len(set(terms))


def test_raft_needs_a_majority():
    """A raft candidate cut off from most of the group never wins alone."""
    model = SwarmModel(n_agents=10, election="raft", rng=4, max_steps=300)
    model.run(40)
    lonely = 9
    model.pos[lonely] += 400.0
    model._measure(force_graph=True)
    for _ in range(80):
        model.step()
        model.vel[lonely] = 0.0
    assert not model.is_leader[lonely]
    assert all(uid != lonely + 1 for _, uid, _ in model.elections)


def test_succession_takes_over_without_messages():
    """succession: the next in line takes over; no election message is ever sent."""
    model = SwarmModel(n_agents=10, election="succession", leader_dropout_at=100, rng=1)
    model.run()
    assert model.elections[0][1] == 2 and model.summary()["mission_success"]
    assert not hasattr(model.election, "channel")


def test_succession_is_fragile_when_next_in_line_is_cut_off():
    """If the successor is cut off when the leader is lost, two leaders appear (split brain)."""
    model = SwarmModel(n_agents=10, election="succession", rng=2, max_steps=400)
    model.run(50)
    model.pos[1] += 400.0  # the next in line is cut off ...
    model._measure(force_graph=True)
    model.drop_leader()  # ... when the leader is lost
    for _ in range(60):
        model.step()
        model.vel[1] = 0.0
    assert model.n_leaders == 2
    assert {uid for _, uid, _ in model.elections} == {2, 3}


def test_partition_gives_one_leader_per_part_then_one_after_merge():
    """Split the group: each part has a leader; bring it back: exactly one leader remains."""
    model = SwarmModel(n_agents=10, election="lowest_id", rng=3, max_steps=1000)
    model.run(50)
    part = np.arange(5, 10)
    shift = np.array([0.0, 300.0])
    model.pos[part] += shift
    model._measure(force_graph=True)
    for _ in range(60):
        model.step()
    assert model.n_leaders == 2
    assert any(kind == "partition" for _, kind, _, _ in model.events)
    main, other = model.leader, [r for r in model.leaders if r != model.leader][0]
    model.pos[model.reachable(other)] -= model.pos[other] - model.pos[main] - [0.0, 10.0]
    model._measure(force_graph=True)
    for _ in range(30):
        model.step()
    assert model.n_leaders == 1
    kinds = [kind for _, kind, _, _ in model.events]
    assert "merge" in kinds and "leader_stepped_down" in kinds


def test_none_leaves_group_leaderless():
    """election='none': after the loss nobody leads and every follower stops."""
    model = SwarmModel(n_agents=8, election="none", leader_dropout_at=60, rng=0)
    model.run()
    assert model.n_leaders == 0 and not model.summary()["mission_success"]
    assert model.summary()["leaderless_steps"] > 0


def test_followers_detect_loss_only_by_missed_heartbeats():
    """No follower reacts before its timeout: detection ≥ timeout_min − heartbeat_period."""
    p = dict(election_timeout_min=25, election_timeout_max=40, heartbeat_period=3)
    model = SwarmModel(n_agents=10, leader_dropout_at=100, rng=7, **p)
    model.run(160)
    detect, _ = election_phase(model)
    assert detect >= p["election_timeout_min"] - p["heartbeat_period"]
    assert detect <= p["election_timeout_max"] + 5


def _phases(election, loss=0.0, seeds=range(10), **extra):
    out = []
    for seed in seeds:
        model = SwarmModel(
            n_agents=10,
            election=election,
            message_loss=loss,
            leader_dropout_at=100,
            rng=seed,
            max_steps=260,
            **extra,
        )
        model.run()
        if model.elections and model.events[0][1] == "dropout":  # no earlier spurious election
            out.append(election_phase(model))
    return np.array(out)


@pytest.mark.slow
def test_election_phase_lengthens_with_loss():
    """Over seeds, raft's detection → elected phase takes longer as message_loss grows."""
    means = [_phases("raft", loss)[:, 1].mean() for loss in (0.0, 0.3, 0.6)]
    assert means[0] < means[1] < means[2], means


@pytest.mark.slow
def test_lowest_id_phase_does_not_shorten_with_loss():
    """FloodMin's phase is set by its settle time; loss can only delay it (never speed it up)."""
    clean, lossy = (_phases("lowest_id", loss)[:, 1] for loss in (0.0, 0.6))
    assert lossy.mean() >= clean.mean()
    assert clean.min() >= SwarmModel().params.election_timeout_min


@pytest.mark.slow
def test_detection_lengthens_with_timeouts():
    """Over seeds, detection takes longer when the election timeouts are longer."""
    short = _phases("raft", election_timeout_min=10, election_timeout_max=20)[:, 0].mean()
    long = _phases("raft", election_timeout_min=30, election_timeout_max=60)[:, 0].mean()
    assert long > short + 10


def _spurious(election, loss, seeds=range(6)):
    return sum(
        SwarmModel(n_agents=10, election=election, message_loss=loss, rng=s, max_steps=400).run()[
            "spurious_elections"
        ]
        for s in seeds
    )


@pytest.mark.slow
def test_spurious_elections_grow_with_loss():
    """Lost heartbeats depose live leaders: spurious elections rise with message_loss."""
    totals = [_spurious("lowest_id", loss) for loss in (0.0, 0.8, 0.9)]
    assert totals[0] == 0 and totals[0] < totals[1] < totals[2], totals
    assert _spurious("raft", 0.0) == 0 < _spurious("raft", 0.8)


def test_leader_lost_before_any_heartbeat_is_still_detected():
    """A leader lost in the first step (before any relayed beacon) is detected and replaced."""
    model = SwarmModel(n_agents=10, rng=1)
    model.step()
    model.drop_leader()
    model.run()
    assert model.elections and model.summary()["mission_success"]
    assert model.elections[0][0] <= 1 + 3 * model.params.election_timeout_max

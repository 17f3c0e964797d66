"""The message layer: loss, delay, relaying, blackouts — and agents only know what reached them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import SwarmModel
from sim.comms import Channel, directed_links, link_loss
from sim.components.leadership import FOLLOWER, SUSPECT
from sim.heartbeat import STILL, Knowledge, beacon_key, dominance, key_row, key_term, key_time


def complete_links(n):
    i, j = np.triu_indices(n, 1)
    return directed_links(np.column_stack([i, j]))


@pytest.mark.parametrize("loss", [0.0, 0.1, 0.4, 0.8])
def test_delivered_fraction_matches_loss(loss):
    """The fraction of messages delivered is 1 − message_loss within 4 standard errors."""
    n, rounds = 30, 40
    channel = Channel(n, 0, np.random.default_rng(1))
    links = complete_links(n)
    keys = np.arange(n, dtype=np.int64)
    for t in range(rounds):
        channel.send(t, np.ones(n, dtype=bool), keys, links, loss)
        channel.receive(t)
    frac = channel.delivered / channel.sent
    se = math.sqrt(loss * (1 - loss) / channel.sent)
    assert abs(frac - (1 - loss)) <= 4 * se + 1e-12


def test_model_delivered_fraction_matches_loss():
    """In a running model, heartbeat and election messages are delivered at 1 − loss."""
    model = SwarmModel(n_agents=12, message_loss=0.3, leader_dropout_at=50, rng=2, max_steps=400)
    model.run()
    sent, delivered = model.message_counts()
    se = math.sqrt(0.3 * 0.7 / sent)
    assert abs(delivered / sent - 0.7) <= 4 * se


def test_delay_holds_messages_back():
    """A message sent with delay d is delivered d steps later, not before."""
    channel = Channel(3, 4, np.random.default_rng(0))
    links = directed_links(np.array([[0, 1]]))
    channel.send(10, np.array([True, False, False]), np.array([7, 0, 0]), links, 0.0)
    for t in range(10, 14):
        assert len(channel.receive(t)[0]) == 0
    rows, keys, senders = channel.receive(14)
    assert rows.tolist() == [1] and keys.tolist() == [7]


def test_receiver_keeps_the_largest_key():
    """Of several messages arriving together, a receiver keeps the largest key."""
    channel = Channel(4, 0, np.random.default_rng(0))
    links = np.array([[0, 3], [1, 3], [2, 3]])
    channel.send(0, np.ones(4, dtype=bool), np.array([5, 9, 2, 0]), links, 0.0)
    rows, keys, senders = channel.receive(0)
    assert rows.tolist() == [3] and keys.tolist() == [9] and senders.tolist() == [1]


def test_distance_loss_grows_with_distance():
    """The robotsim term adds loss in proportion to (d / range)², clipped to 1."""
    pos = np.array([[0.0, 0.0], [5.0, 0.0], [10.0, 0.0]])
    links = np.array([[0, 1], [0, 2]])
    p = link_loss(pos, links, 0.1, 0.5, 10.0)
    assert p[0] == pytest.approx(0.1 + 0.5 * 0.25) and p[1] == pytest.approx(0.6)


def test_beacon_key_order():
    """Higher term dominates, then lower id; for one leader a later beacon is fresher."""
    old = beacon_key(1, 0, 50)
    newer_same = beacon_key(1, 0, 60)
    other_lower_id = beacon_key(2, 3, 10)
    other_higher_id = beacon_key(2, 5, 99)
    assert newer_same > old and other_lower_id > newer_same
    assert dominance(other_lower_id) > dominance(other_higher_id)
    assert (int(key_term(other_higher_id)), int(key_row(other_higher_id))) == (2, 5)
    assert int(key_time(other_higher_id)) == 99


def test_heartbeats_relay_one_hop_per_step():
    """Along a chain, a heartbeat sent at step s reaches the agent k hops away at s + k − 1."""
    model = SwarmModel(
        n_agents=6,
        formation="column",
        spacing=4.0,
        comm_range=6.5,
        rng=0,
        heartbeat_period=4,
        max_steps=200,
    )
    model.run(60)  # the column has formed: each agent links only to the ones next to it
    assert len(model.links()) == 5
    arrival = {}
    while model.time < 72:
        model.step()
        for row in np.flatnonzero(key_time(model.leadership.belief) == 64):
            arrival.setdefault(int(row), int(model.time))
    assert arrival == {k: 64 + max(k - 1, 0) for k in range(6)}


def test_cut_off_follower_keeps_last_belief_and_misses_new_waypoint():
    """A follower out of range learns neither the new waypoint nor anything newer."""
    model = SwarmModel(n_agents=6, rng=1, max_steps=3000)
    model.run(30)
    far = 5
    model.pos[far] += 500.0  # carried out of range of everyone
    lead = model.leadership
    model.add_waypoint((10.0, 10.0))
    new_version = max(model.mission.routes)
    for _ in range(40):
        model.step()
        model.vel[far] = 0.0
    route, _ = lead.knowledge.route_of(int(lead.knowledge.src[1]))
    assert route == new_version  # a connected follower has it
    # the cut-off one never learnt of it, and gave up on agent 1 (it suspects, or leads itself)
    assert lead.knowledge.route_of(int(lead.knowledge.src[far]))[0] < new_version
    assert lead.role[far] != FOLLOWER


def test_blackout_stops_every_message():
    """During a blackout no message is delivered, so followers time out; afterwards they don't."""
    model = SwarmModel(
        n_agents=8, rng=3, blackout_at=40, blackout_steps=30, election="none", max_steps=200
    )
    model.run(39)
    delivered = model.message_counts()[1]
    model.run(30)
    assert model.message_counts()[1] == delivered
    lead = model.leadership
    assert (lead.role[model.active & ~model.is_leader] == SUSPECT).all()
    model.run(10)
    assert (lead.role[model.active & ~model.is_leader] == FOLLOWER).all()


def test_oracle_knows_instantly():
    """With information='oracle' a new leader takes over in the step the old one is lost."""
    model = SwarmModel(n_agents=10, information="oracle", leader_dropout_at=100, rng=1)
    model.run()
    assert model.summary()["max_recovery_steps"] <= 1
    assert model.elections[0][0] == 100


@pytest.mark.parametrize("n", [5, 60])
def test_knowledge_learn_gives_each_row_the_beacon_it_adopts(n):
    """Rows adopting one beacon, or several different ones, record each its own (few or many)."""
    know = Knowledge(n)
    slots = {0: np.arange(n), 1: np.arange(n)[::-1].copy()}
    keys = [beacon_key(1, 0, t) for t in range(3)]
    for t, key in enumerate(keys):
        know.add(key, t, STILL, t % 2, 0)
    rows = np.arange(n)
    know.learn(rows, np.full(n, keys[1]), slots)  # everyone the same beacon
    assert (know.src == 1).all() and (know.slot == slots[1]).all()
    mixed = np.array([keys[k % 3] for k in range(n)])
    mixed[-1] = keys[0]  # the last differs from its neighbour whatever n is
    know.learn(rows, mixed, slots)
    assert know.src.tolist() == [keys.index(k) for k in mixed.tolist()]
    assert know.slot.tolist() == [slots[keys.index(k) % 2][r] for r, k in enumerate(mixed.tolist())]

"""The network component: links from this step's positions, loss, the link cap, counting."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import SwarmModel
from sim.comms import Channel, link_loss
from sim.components.network import Network


def network(n, **kw):
    """A network with the model's defaults for what is not given."""
    base = dict(comm_range=15.0, message_loss=0.0, delay=0, rng=np.random.default_rng(0))
    return Network(n, **{**base, **kw})


def test_distance_loss_uses_the_shortest_way_across_a_wrapped_arena():
    """On a torus, two agents 1 m apart across the edge lose messages as if 1 m apart."""
    pos = np.array([[0.5, 10.0], [99.5, 10.0]])
    links = np.array([[0, 1], [1, 0]])
    across = link_loss(pos, links, 0.0, 1.0, 15.0, box=100.0)
    assert np.allclose(across, (1.0 / 15.0) ** 2)
    net = network(2, distance_loss=1.0, box=100.0)
    net.update(pos, np.ones(2, dtype=bool))
    assert len(net.pairs) == 1  # linked across the edge ...
    assert np.all(np.asarray(net.link_loss) < 0.01)  # ... and nearly lossless


def test_links_come_from_this_steps_positions():
    """An agent carried out of range hears nothing from the very next step; no manual refresh."""
    model = SwarmModel(n_agents=6, rng=1)
    model.run(30)
    model.pos[5] += 500.0
    heard = int(model.leadership.belief[5])
    model.step()
    assert not np.any(model.network.pairs == 5)
    assert int(model.leadership.belief[5]) == heard


def test_messages_to_an_agent_that_dropped_out_are_neither_sent_nor_delivered():
    """Links are built after this step's dropouts: nothing is sent to or counted for the dropped."""
    model = SwarmModel(n_agents=8, rng=2)
    model.run(20)
    model.drop_agent(4)
    sent, delivered = model.message_counts()
    model.step()
    assert not np.any(model.network.pairs == 3)
    links_now = len(model.network.directed)
    new_sent = model.message_counts()[0] - sent
    assert new_sent <= links_now  # one broadcast per link at most, none to row 3
    assert model.message_counts()[1] - delivered == new_sent  # no loss: all delivered


def test_a_message_in_flight_to_an_agent_that_drops_out_is_not_delivered():
    """With delay, a message whose receiver dropped out meanwhile is sent but not delivered."""
    channel = Channel(3, 2, np.random.default_rng(0))
    links = np.array([[0, 1], [0, 2]])
    channel.send(0, np.array([True, False, False]), np.array([5, 0, 0]), links, 0.0)
    alive = np.array([True, False, True])
    rows, keys, senders = channel.receive(2, alive)
    assert rows.tolist() == [2] and channel.sent == 2 and channel.delivered == 1


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 120),
    cap=st.integers(1, 12),
    spread=st.floats(1.0, 40.0),
    seed=st.integers(0, 2**31),
)
def test_link_cap_keeps_each_agents_nearest(n, cap, spread, seed):
    """max_links = k: each agent keeps its k nearest in range; each link is one end's k nearest."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, spread, (n, 2))
    net = network(n, max_links=cap, dense_max=48 if seed % 2 else 0)
    net.update(pos, np.ones(n, dtype=bool))
    d = np.hypot(*(pos[:, None] - pos[None, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    in_range = d < 15.0
    near = np.zeros_like(in_range)
    order = np.argsort(np.where(in_range, d, np.inf), axis=1, kind="stable")
    for i in range(n):
        keep = order[i, : min(cap, int(in_range[i].sum()))]
        near[i, keep] = True
    expected = near | near.T
    got = np.zeros_like(in_range)
    got[net.pairs[:, 0], net.pairs[:, 1]] = True
    got |= got.T
    assert np.array_equal(got, expected)


def test_a_dense_group_is_capped_without_listing_all_pairs():
    """Everyone in range of everyone (comm_range 1e6): links stay O(N·max_links)."""
    n = 3000
    pos = np.random.default_rng(0).uniform(0, 100, (n, 2))
    net = network(n, comm_range=1e6, max_links=16)
    net.update(pos, np.ones(n, dtype=bool))
    assert len(net.pairs) <= n * 16
    assert net.prox.pairs is None  # only each agent's nearest were listed


@pytest.mark.parametrize("seed", range(4))
def test_the_cap_check_after_the_query_links_as_the_check_before_it(seed):
    """A group that packs together: the counts taken from the full query switch as the sample."""
    rng = np.random.default_rng(seed)
    n, cap = 400, 16
    spread = rng.uniform(0, 200, (n, 2))
    everyone = np.ones(n, dtype=bool)
    for shrink in np.linspace(1.0, 0.2, 9):  # from a sparse group to a crowded one
        pos = spread * shrink
        after = network(n, comm_range=10.0, max_links=cap)  # crowded, not capped: ...
        after._capped = False  # ... the sample's counts come from the full query
        before = network(n, comm_range=10.0, max_links=cap)  # counted before the query
        after.update(pos, everyone)
        before.update(pos, everyone)
        assert np.array_equal(after.pairs, before.pairs)
        assert (after.prox.pairs is None) == (before.prox.pairs is None)


@pytest.mark.parametrize("dense_max", [0, 1000])
def test_links_found_again_keep_their_arrays_until_someone_drops_out(dense_max):
    """The same links from moved positions keep their arrays; a lone agent dropping out does not.

    Its dropout changes no link, yet the labels must see it gone (tree and matrix paths alike).
    """
    rng = np.random.default_rng(5)
    n = 12  # one k-d tree leaf: pairs in the same order with or without the lone agent
    pos = np.column_stack([np.arange(n) * 10.0, np.zeros(n)])  # a line, 10 m apart
    pos[-1] = (5000.0, 5000.0)  # one agent far from everyone
    net = network(n, dense_max=dense_max)
    active = np.ones(n, dtype=bool)
    net.update(pos, active)
    pairs, directed, version = net.pairs, net.directed, net.version
    labels = net.labels().copy()
    net.update(pos + rng.uniform(-9, 9, 2), active)  # all moved alike: the same links
    assert net.pairs is pairs and net.directed is directed and net.version == version
    assert np.array_equal(net.labels(), labels)
    gone = active.copy()
    gone[-1] = False  # the lone agent drops out: no link changes
    net.update(pos, gone)
    assert set(map(tuple, net.pairs.tolist())) == set(map(tuple, pairs.tolist()))
    assert net.version > version
    assert net.labels()[-1] == -1 and np.array_equal(net.labels()[:-1], labels[:-1])


def test_pairs_within_a_radius_are_those_of_all_pairs_in_the_same_order():
    """`Proximity.within` from a cached subset equals filtering all pairs (order, distances)."""
    rng = np.random.default_rng(3)
    n = 600
    pos = rng.uniform(0, 150, (n, 2))
    net = network(n, reach=20.0, dense_max=0)
    net.update(pos, np.ones(n, dtype=bool))
    prox = net.prox
    for radius in (12.0, 4.0, 7.0, 3.0, 12.0, 20.0):
        pairs, dist = prox.within(radius)
        keep = prox.dist < radius
        assert np.array_equal(pairs, prox.pairs[keep]) and np.array_equal(dist, prox.dist[keep])
    assert len(prox.within(3.0)[0]) < len(prox.within(12.0)[0]) < len(prox.pairs)


PEAK = """
import resource, sys
from sim import SwarmModel
mode, key, value = sys.argv[1], sys.argv[2], float(sys.argv[3])
model = SwarmModel(n_agents=10_000, coordination=mode, rng=1, **{key: value})
for _ in range(2):
    model.step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["formation", "flock"])
def test_ten_thousand_agents_all_in_range_stay_under_a_gigabyte(mode):
    """N = 10,000 with comm_range = 1e6 (both allowed): no MemoryError, peak RSS < 1 GB."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK, mode, "comm_range", "1e6"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(out.stdout.split()[-1]) < 1024

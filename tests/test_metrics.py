"""Metrics against exact values (algebraic connectivity of known graphs, order, cohesion)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import formations, metrics


def path(n):
    return np.array([[i, i + 1] for i in range(n - 1)])


def cycle(n):
    return np.vstack([path(n), [[n - 1, 0]]])


def complete(n):
    i, j = np.triu_indices(n, 1)
    return np.column_stack([i, j])


def star(n):
    return np.array([[0, i] for i in range(1, n)])


def dense(n, edges):
    adj = np.zeros((n, n), dtype=bool)
    adj[edges[:, 0], edges[:, 1]] = adj[edges[:, 1], edges[:, 0]] = True
    return adj


@pytest.mark.parametrize("n", [3, 7, 30, 120])
@pytest.mark.parametrize(
    "graph,exact",
    [
        (path, lambda n: 2 - 2 * math.cos(math.pi / n)),
        (cycle, lambda n: 2 - 2 * math.cos(2 * math.pi / n)),
        (complete, lambda n: n),
        (star, lambda n: 1.0),
    ],
)
def test_algebraic_connectivity_exact(graph, exact, n):
    """λ₂ matches the closed form for path, cycle, complete and star graphs (both code paths)."""
    edges = graph(n)
    assert metrics.algebraic_connectivity(n, edges) == pytest.approx(exact(n), abs=1e-9)
    if n <= 300:
        largest, lam2, n_comp = metrics.graph_metrics(dense(n, edges))
        assert (largest, lam2, n_comp) == (1.0, pytest.approx(exact(n), abs=1e-9), 1)


def test_disconnected_graph_has_zero_connectivity():
    """Two separate paths: λ₂ = 0 and the largest component holds the bigger part."""
    edges = np.vstack([path(4), path(6) + 4])
    assert metrics.algebraic_connectivity(10, edges) == 0.0
    assert metrics.largest_component(10, edges) == pytest.approx(0.6)
    assert metrics.graph_metrics(dense(10, edges)) == (pytest.approx(0.6), 0.0, 2)


def test_order_extremes():
    """Order is 1 for a polarised group and 0 for opposite headings."""
    assert metrics.order(np.array([[1.0, 0.0], [2.0, 0.0]])) == pytest.approx(1.0)
    assert metrics.order(np.array([[1.0, 0.0], [-1.0, 0.0]])) == pytest.approx(0.0)


def test_cohesion_is_mean_distance_to_centroid():
    """Four corners of a square of side 2: every agent is √2 from the centroid."""
    pos = np.array([[0, 0], [2, 0], [0, 2], [2, 2]], dtype=float)
    assert metrics.cohesion(pos) == pytest.approx(math.sqrt(2))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 24), seed=st.integers(0, 2**32 - 1), rest=st.booleans())
def test_order_and_cohesion_for_a_few_agents_match_the_array_versions(n, seed, rest):
    """The plain-float order and cohesion used for small swarms equal the numpy definitions."""
    rng = np.random.default_rng(seed)
    pos, vel = rng.normal(size=(n, 2)) * 30.0, rng.normal(size=(n, 2))
    if rest and n:
        vel[0] = 0.0  # an agent at rest counts as a zero vector
    order, cohesion = metrics.order_and_cohesion_few(pos.tolist(), vel.tolist())
    if n == 0:
        assert math.isnan(order) and math.isnan(cohesion)
        return
    assert order == pytest.approx(metrics.order(vel), abs=1e-12)
    assert cohesion == pytest.approx(metrics.cohesion(pos), rel=1e-12)


def test_formation_error_for_a_few_agents_is_the_array_version_bit_for_bit():
    """The plain-float formation error (and its slot placement) equal the numpy path exactly."""
    rng = np.random.default_rng(11)
    for _ in range(3000):  # (math.hypot instead of C's hypot differs in ~1 case in 200)
        n, scale = int(rng.integers(0, 41)), 10 ** rng.uniform(-3, 3)
        pos, offsets = rng.normal(size=(n, 2)) * scale, rng.normal(size=(n, 2)) * scale
        heading, (x, y) = rng.uniform(-4.0, 4.0), rng.normal(size=2) * scale
        world = np.array([x, y]) + formations.rotate(offsets, heading)
        slots = formations.place_few(offsets.tolist(), heading, x, y)
        assert np.array_equal(np.array(slots).reshape(-1, 2), world)
        few = metrics.formation_error_few(pos.tolist(), slots)
        if n == 0:
            assert math.isnan(few) and math.isnan(metrics.formation_error(pos, world))
        else:
            assert few == metrics.formation_error(pos, world)  # exactly: golden runs rely on it


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6), max_size=128))
def test_numpy_sum_adds_in_numpys_order(values):
    """numpy_sum gives np.add.reduce's bits (pairwise from 8 values on), not a plain sum's."""
    assert metrics.numpy_sum(values) == float(np.add.reduce(np.array(values, dtype=float)))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 120), radius=st.floats(1.0, 30.0), seed=st.integers(0, 2**31))
def test_dense_graph_reporters_equal_the_sparse_ones(n, radius, seed):
    """graph_metrics on a dense adjacency gives the sparse path's largest part, λ₂ and parts."""
    pos = np.random.default_rng(seed).uniform(0, 40, (n, 2))
    d = np.hypot(*(pos[:, None] - pos[None, :]).transpose(2, 0, 1))
    adj = d < radius
    np.fill_diagonal(adj, False)
    i, j = np.nonzero(np.triu(adj))
    pairs = np.column_stack([i, j])
    largest, lam2, n_comp = metrics.graph_metrics(adj)
    assert n_comp == metrics.components(n, pairs)[0]
    assert largest == pytest.approx(metrics.largest_component(n, pairs))
    assert lam2 == pytest.approx(metrics.algebraic_connectivity(n, pairs), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    density=st.floats(0.0, 3.0),
    seed=st.integers(0, 2**31),
    chain=st.booleans(),
)
def test_components_label_like_scipy(n, density, seed, chain):
    """Components by pointer jumping: scipy's count and labels, on sparse graphs and long paths."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    if chain:  # a path through the nodes in random order: the most rounds of hooking
        order = rng.permutation(n)
        pairs = np.column_stack([order[:-1], order[1:]])
        pairs = pairs[rng.random(len(pairs)) < min(1.0, density)]  # cut into several paths
    else:
        pairs = rng.integers(0, n, (int(density * n), 2))
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.sort(pairs, axis=1).astype(np.intp)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    want_count, want_labels = connected_components(graph, directed=False)
    count, labels = metrics.components(n, pairs)
    assert count == want_count
    np.testing.assert_array_equal(labels, want_labels)


def test_components_of_no_nodes_and_no_links():
    assert metrics.components(0, np.zeros((0, 2), dtype=np.intp))[0] == 0
    count, labels = metrics.components(3, np.zeros((0, 2), dtype=np.intp))
    assert count == 3 and labels.tolist() == [0, 1, 2]

"""Neighbour queries: the compiled cell list finds exactly the pairs the k-d tree finds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sim import cells, neighbours
from sim.neighbours import close_pairs, covers_everyone, wrap

_groups = st.fixed_dictionaries(
    {
        "n": st.integers(0, 120),
        "box": st.sampled_from([None, 3.0, 7.0, 40.0]),
        "radius": st.sampled_from([0.0, 0.3, 1.0, 2.5, 6.0, 100.0]),
        "spread": st.sampled_from([0.5, 10.0, 1000.0]),
        "seed": st.integers(0, 2**32 - 1),
    }
)


def _tree(group: dict) -> tuple[np.ndarray, cKDTree]:
    """Positions (coincident agents included) and their k-d tree."""
    rng = np.random.default_rng(group["seed"])
    pos = rng.uniform(0, group["spread"], (group["n"], 2))
    if group["n"] > 3:
        pos[1] = pos[0]
    pos = wrap(pos, group["box"])
    return pos, cKDTree(pos, boxsize=group["box"])


@settings(max_examples=200)
@given(group=_groups)
def test_cell_list_pairs_are_the_tree_pairs(group):
    """Every pair closer than the radius, once, smaller row first, with its distance."""
    pos, tree = _tree(group)
    box, radius = group["box"], group["radius"]
    pairs, dist = cells.close_pairs(pos, radius, box)
    found = {tuple(p) for p in pairs.tolist()}
    assert len(found) == len(pairs) and all(i < j for i, j in found)
    near = {tuple(p) for p in close_pairs(pos, radius, box).tolist()}  # the tree's: ≤ radius
    tree_d = {p: np.hypot(*(_image(pos[p[1]] - pos[p[0]], box))) for p in near}
    assert found == {p for p, d in tree_d.items() if d < radius}
    for (i, j), d in zip(pairs.tolist(), dist, strict=True):
        assert d == np.float64(tree_d[(i, j)]) or abs(d - tree_d[(i, j)]) < 1e-12


def _image(d: np.ndarray, box: float | None) -> np.ndarray:
    return d if box is None else d - box * np.round(d / box)


@settings(max_examples=80)
@given(group=_groups)
def test_covers_everyone_only_when_every_pair_is_within_reach(group):
    """When `covers_everyone` says so, every pair of agents lies within the radius."""
    pos, tree = _tree(group)
    n = group["n"]
    if covers_everyone(pos, group["radius"], group["box"]):
        assert len(tree.query_pairs(group["radius"])) == n * (n - 1) // 2


@settings(max_examples=100)
@given(group=_groups)
def test_pairs_with_distances_is_the_same_on_both_sides_of_its_threshold(group):
    """The k-d tree side and the cell-list side give the same pairs and distances."""
    pos, _ = _tree(group)
    box, radius = group["box"], group["radius"]
    saved = neighbours.TREE_PAIRS_MAX_N
    try:
        sides = []
        for threshold in (10**9, -1):  # the tree, then the cell list
            neighbours.TREE_PAIRS_MAX_N = threshold
            pairs, dist = neighbours.pairs_with_distances(pos, radius, box)
            sides.append(dict(zip(map(tuple, pairs.tolist()), dist.tolist(), strict=True)))
    finally:
        neighbours.TREE_PAIRS_MAX_N = saved
    tree, cell = sides
    assert tree.keys() == cell.keys()
    assert all(abs(tree[p] - cell[p]) < 1e-12 for p in tree)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 150),
    spread=st.floats(2.0, 60.0),
    cap=st.integers(1, 40),
    grid=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_dense_cap_keeps_what_a_stable_sort_of_each_row_keeps(n, spread, cap, grid, seed):
    """Each row's `cap` nearest links, ties going to the lower column (grids make many ties)."""
    pos = np.random.default_rng(seed).uniform(0, spread, (n, 2))
    if grid:
        pos = np.round(pos)
    d2 = neighbours.dense_d2(pos)
    adj = d2 < 10.0**2
    np.fill_diagonal(adj, False)
    order = np.argsort(np.where(adj, d2, np.inf), axis=1, kind="stable")
    want = np.zeros_like(adj)
    np.put_along_axis(want, order[:, :cap], True, axis=1)
    want &= adj
    np.testing.assert_array_equal(neighbours.cap_dense(adj, d2, cap), want | want.T)

"""Neighbour queries: pair-count bounds and chunked neighbour lists match the k-d tree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sim.neighbours import (
    covers_everyone,
    few_pairs,
    neighbour_bounds,
    neighbours_in_chunks,
    wrap,
)
from tests.conftest import neighbour_budgets

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
    """Positions (coincident agents included) and their k-d tree, as the behaviours build it."""
    rng = np.random.default_rng(group["seed"])
    pos = rng.uniform(0, group["spread"], (group["n"], 2))
    if group["n"] > 3:
        pos[1] = pos[0]
    pos = wrap(pos, group["box"])
    return pos, cKDTree(pos, boxsize=group["box"])


def _exact_counts(tree: cKDTree, radius: float) -> np.ndarray:
    """How many points lie within `radius` of each point, itself included."""
    return tree.query_ball_point(tree.data, radius, return_length=True)


@settings(max_examples=150)
@given(group=_groups)
def test_neighbour_bounds_never_undercount(group):
    """Each agent's bound is at least its number of neighbours within the radius (self too)."""
    pos, tree = _tree(group)
    bounds = neighbour_bounds(pos, group["radius"], group["box"])
    assert bounds.shape == (group["n"],)
    if group["n"]:
        assert np.all(bounds >= _exact_counts(tree, group["radius"]))


@settings(max_examples=80)
@given(group=_groups, budget=st.integers(0, 2000))
def test_few_pairs_is_never_wrong_about_too_many(group, budget):
    """`few_pairs` may be cautious, but when it says yes the pairs fit the budget."""
    pos, tree = _tree(group)
    with neighbour_budgets(pairs=budget):
        few = few_pairs(pos, group["radius"], group["box"])
    assert not few or len(tree.query_pairs(group["radius"])) <= budget


@settings(max_examples=80)
@given(group=_groups, entries=st.integers(1, 400), subset=st.booleans())
def test_chunks_list_every_neighbour_once(group, entries, subset):
    """Chunks cover the asked rows once each, with exactly the tree's neighbours, and stay small."""
    pos, tree = _tree(group)
    n, radius = group["n"], group["radius"]
    rows = np.arange(n)[::2] if subset else np.arange(n)
    seen: dict[int, list[int]] = {}
    with neighbour_budgets(entries=entries):
        chunks = list(neighbours_in_chunks(tree, radius, rows, group["box"]))
    for chunk, at, j in chunks:
        assert len(at) <= entries + n  # the budget, plus at most one row's worth
        for row, k in zip(chunk[at].tolist(), j.tolist(), strict=True):
            seen.setdefault(row, []).append(k)
        for row in chunk.tolist():
            seen.setdefault(row, [])
    assert sorted(seen) == rows.tolist()
    for row in rows.tolist():
        want = tree.query_ball_point(pos[row], radius)
        assert sorted(seen[row]) == sorted(want)


@settings(max_examples=80)
@given(group=_groups)
def test_covers_everyone_only_when_every_pair_is_within_reach(group):
    """When `covers_everyone` says so, every pair of agents lies within the radius."""
    pos, tree = _tree(group)
    n = group["n"]
    if covers_everyone(pos, group["radius"], group["box"]):
        assert len(tree.query_pairs(group["radius"])) == n * (n - 1) // 2

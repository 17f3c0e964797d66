"""Slot reassignment (`sim.slots`): optimal, shift and fixed, directly and in the model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import SwarmModel
from sim.formations import rotate, slot_offsets
from sim.slots import assign_slots

OFFSETS = slot_offsets("wedge", 9, 4.0)


@st.composite
def followers(draw, max_k: int = 6):
    """K followers: current slots (distinct, some -1) and positions, with the leader's pose."""
    k = draw(st.integers(1, max_k))
    slots = draw(st.permutations(range(len(OFFSETS))))[:k]
    lost = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    current = np.where(lost, -1, slots).astype(np.intp)
    coord = st.floats(-30, 30)
    pos = np.array(draw(st.lists(st.tuples(coord, coord), min_size=k, max_size=k)))
    leader = np.array(draw(st.tuples(coord, coord)))
    heading = draw(st.floats(-np.pi, np.pi))
    return current, pos, leader, heading


def total_distance(out, pos, leader, heading) -> float:
    """Sum of each follower's distance to its assigned slot in the world."""
    world = leader + rotate(OFFSETS[out], heading)
    return float(np.hypot(*(pos - world).T).sum())


@settings(max_examples=150)
@given(followers())
def test_optimal_minimises_the_total_distance(case):
    """Policy "optimal" fills slots 0..k-1 with the least total distance (brute force check)."""
    current, pos, leader, heading = case
    k = len(current)
    out = assign_slots("optimal", current, pos, leader, heading, OFFSETS)
    assert sorted(out.tolist()) == list(range(k))
    best = min(
        total_distance(np.array(perm), pos, leader, heading)
        for perm in itertools.permutations(range(k))
    )
    assert total_distance(out, pos, leader, heading) == pytest.approx(best, rel=1e-9, abs=1e-9)


@settings(max_examples=150)
@given(followers(max_k=9))
def test_shift_keeps_the_order_and_fills_the_first_ranks(case):
    """Policy "shift": ranks 0..k-1 in the old order; followers without a slot come last."""
    current, pos, leader, heading = case
    out = assign_slots("shift", current, pos, leader, heading, OFFSETS)
    assert sorted(out.tolist()) == list(range(len(current)))
    rank = np.where(current >= 0, current, len(OFFSETS))
    for a, b in itertools.combinations(range(len(current)), 2):
        if rank[a] != rank[b]:
            assert (out[a] < out[b]) == (rank[a] < rank[b])
    held = current >= 0
    assert np.all(out[held] <= current[held])


@settings(max_examples=150)
@given(followers(max_k=9))
def test_fixed_keeps_every_slot_and_leaves_the_gaps(case):
    """Policy "fixed": slots are kept, newcomers take the lowest free ones, gaps stay."""
    current, pos, leader, heading = case
    out = assign_slots("fixed", current, pos, leader, heading, OFFSETS)
    held = current >= 0
    np.testing.assert_array_equal(out[held], current[held])
    free = sorted(set(range(len(OFFSETS))) - set(current[held].tolist()))
    assert out[~held].tolist() == free[: int(np.count_nonzero(~held))]
    assert len(set(out.tolist())) == len(out)


def test_unknown_mode_is_rejected():
    """A mode other than optimal, shift or fixed raises ValueError naming slot_assignment."""
    with pytest.raises(ValueError, match="slot_assignment"):
        assign_slots("random", np.array([0]), np.zeros((1, 2)), np.zeros(2), 0.0, OFFSETS)


# ------------------------------------------------------------------ in the model
def table_after_dropout(slot_assignment: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slot tables before and after follower 4 (row 3, slot 2) drops out, and who is active."""
    model = SwarmModel(n_agents=8, slot_assignment=slot_assignment, rng=1, max_steps=400)
    model.run(20)
    before = model.slot_of.copy()
    model.drop_agent(4)
    model.run(model.params.election_timeout_min + 2 * model.params.heartbeat_period + 2)
    return before, model.slot_of.copy(), model.active.copy()


@pytest.mark.parametrize("assignment", ["shift", "optimal"])
def test_shift_and_optimal_close_the_gap_after_a_follower_drops_out(assignment):
    """The leader's new table has no gap: the active followers hold slots 0..k-1."""
    before, after, active = table_after_dropout(assignment)
    assert before[3] == 2  # the lost follower held slot 2
    held = after[active & (after >= 0)]
    assert sorted(held.tolist()) == list(range(int(active.sum()) - 1))
    assert after[3] == -1
    if assignment == "shift":  # those behind it move up one rank, those ahead stay
        np.testing.assert_array_equal(after[4:], before[4:] - 1)
        np.testing.assert_array_equal(after[1:3], before[1:3])


def test_fixed_keeps_the_gap_after_a_follower_drops_out():
    """With "fixed" every remaining follower keeps its slot and slot 2 stays empty."""
    before, after, active = table_after_dropout("fixed")
    assert before[3] == 2 and after[3] == -1
    keep = active.copy()
    keep[0] = False  # the leader has no slot
    np.testing.assert_array_equal(after[keep], before[keep])
    assert 2 not in after.tolist()

"""Formation shapes: slot layout invariants for every shape and size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.formations import rotate, slot_offsets
from sim.params import FORMATIONS


@pytest.mark.parametrize("shape", FORMATIONS)
@given(n=st.integers(1, 120), spacing=st.floats(0.5, 20))
def test_slots_keep_spacing(shape, n, spacing):
    """No two slots, and no slot and the leader, are closer than the spacing (within 1 %)."""
    offsets = slot_offsets(shape, n, spacing)
    assert offsets.shape == (n, 2)
    points = np.vstack([[0.0, 0.0], offsets])
    d = np.hypot(*(points[:, None] - points[None, :]).transpose(2, 0, 1))
    d[np.diag_indices(len(points))] = np.inf
    assert d.min() >= 0.99 * spacing


@pytest.mark.parametrize("shape", ["wedge", "column", "grid"])
def test_trailing_shapes_are_behind_the_leader(shape):
    """Wedge, column and grid slots trail the leader (x ≤ 0 in the leader frame)."""
    assert np.all(slot_offsets(shape, 30, 3.0)[:, 0] <= 1e-9)


def test_rotation_turns_the_frame():
    """A slot straight behind the leader is straight below it when heading north."""
    assert np.allclose(rotate(np.array([[-1.0, 0.0]]), math.pi / 2), [[0.0, -1.0]])


def test_unknown_shape_rejected():
    """An unknown shape raises ValueError naming the allowed shapes."""
    with pytest.raises(ValueError, match="wedge"):
        slot_offsets("blob", 3, 1.0)

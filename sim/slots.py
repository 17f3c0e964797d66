"""Slot reassignment after a member is lost (Turpin, Michael & Kumar 2014 for the optimal case).

- ``optimal``: followers take the first K slots (K = number of followers), matched by minimum
  total distance with the Hungarian method (`scipy.optimize.linear_sum_assignment`). Above
  `sim.sizes.OPTIMAL_SLOTS_MAX_N` followers the O(K³) solve is replaced by ``shift``.
- ``shift``: followers keep their order and each moves up into the next free rank.
- ``fixed``: everyone keeps their slot; a lost member leaves a gap (a promoted leader too).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from sim.formations import rotate
from sim.sizes import OPTIMAL_SLOTS_MAX_N


def assign_slots(
    mode: str,
    current: np.ndarray,
    pos: np.ndarray,
    leader_pos: np.ndarray,
    heading: float,
    offsets: np.ndarray,
) -> np.ndarray:
    """New slot index for each follower.

    Args:
        mode: ``optimal``, ``shift`` or ``fixed``.
        current: each follower's present slot index (-1 for none, e.g. a former leader).
        pos: follower positions (k, 2).
        leader_pos: the leader's position (2,).
        heading: the leader's heading (rad).
        offsets: the formation's slot offsets in the leader frame (ranked).
    """
    k = len(current)
    if mode == "fixed":
        taken = set(current[current >= 0].tolist())
        free = [s for s in range(len(offsets)) if s not in taken]
        out = current.copy()
        out[current < 0] = free[: int(np.count_nonzero(current < 0))]
        return out
    if mode == "shift" or (mode == "optimal" and k > OPTIMAL_SLOTS_MAX_N):
        rank = np.where(current >= 0, current, len(offsets))
        order = np.argsort(rank, kind="stable")
        out = np.empty(k, dtype=np.intp)
        out[order] = np.arange(k)
        return out
    if mode == "optimal":
        world = leader_pos + rotate(offsets[:k], heading)
        cost = np.hypot(*(pos[:, None, :] - world[None, :, :]).transpose(2, 0, 1))
        rows, cols = linear_sum_assignment(cost)
        out = np.empty(k, dtype=np.intp)
        out[rows] = cols
        return out
    raise ValueError(f"slot_assignment must be one of optimal, shift, fixed; got {mode!r}")

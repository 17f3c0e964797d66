"""Neighbour sums over a cell list, compiled: the collective modes at paper scale.

Couzin's zones and Vicsek's alignment sum, for every agent, a term over its neighbours within a
radius; collisions need the pairs closer than a radius. Listing the pairs with a k-d tree costs
~100 ms per step for 10,000 agents in a tight group (half a million pairs) and, for a radius
that covers the group, more memory than a machine has. The kernels in `sim.cell_kernels` sort
the agents into square cells at least a radius wide, and each agent walks the 3 × 3 cells
around its own, adding its terms as it meets its neighbours: O(N) memory whatever the radius,
and 4-5× faster. They are compiled by numba on first use and cached beside the source
(`cache=True`), so later processes start at once. Numba itself is imported only when a kernel
is first called: it costs ~0.4 s and ~120 MB, which small groups never need to pay.

Each agent's sum runs over its neighbours in a fixed order (cell by cell, rows ascending within
a cell), so the same input gives the same result bit for bit, in any process. `box` None is
open space, a number the side of a periodic arena.
"""

from __future__ import annotations

import numpy as np


def _kernels():
    """The compiled kernels (importing numba the first time)."""
    from sim import cell_kernels  # deferred: numba's import costs ~0.4 s and ~120 MB

    return cell_kernels


def _args(pos: np.ndarray, box: float | None) -> tuple[np.ndarray, float]:
    return np.ascontiguousarray(pos, dtype=float), -1.0 if box is None else float(box)


def zone_sums(
    pos: np.ndarray,
    heading: np.ndarray,
    repulsion_radius: float,
    interaction_radius: float,
    box: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Couzin's zones for every agent: (desired direction (n, 2), avoiding (n,)).

    See `sim.behaviours.zones.social_direction`, whose large-group path this is.
    """
    pos, b = _args(pos, box)
    heading = np.ascontiguousarray(heading, dtype=float)
    return _kernels().zone_sums(pos, heading, float(repulsion_radius), float(interaction_radius), b)


def heading_sums(pos: np.ndarray, own: np.ndarray, radius: float, box: float | None) -> np.ndarray:
    """Σ v̂_j over the agents j within `radius` of each agent, itself included: (n, 2)."""
    pos, b = _args(pos, box)
    return _kernels().heading_sums(pos, np.ascontiguousarray(own, dtype=float), float(radius), b)


def close_pairs(pos: np.ndarray, radius: float, box: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (m, 2) of rows closer than `radius`, smaller row first, and their distances (m,).

    In no particular order (callers count them or take a minimum).
    """
    pos, b = _args(pos, box)
    return _kernels().close_pairs(pos, float(radius), b)


def warm() -> None:
    """Compile (or load from the cache) every kernel: `make setup` calls this once."""
    pos = np.array([[0.0, 0.0], [0.5, 0.0], [3.0, 0.0]])
    for box in (None, 10.0):
        zone_sums(pos, np.ones((3, 2)) / np.sqrt(2.0), 1.0, 6.0, box)
        heading_sums(pos, np.ones((3, 2)), 1.0, box)
        close_pairs(pos, 1.0, box)

"""Neighbour queries: which pairs of agents lie within a radius.

A dense distance matrix is fastest for a handful of agents; beyond that a k-d tree
(`scipy.spatial.cKDTree`) finds the pairs in O(N log N) instead of comparing all N² pairs.

The collective modes' neighbour sums, whose radius may cover much of the group (N²/2 pairs,
5·10⁷ at N = 10,000, too many to list), do not list pairs at all: they run over a compiled cell
list (`sim.cells`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from sim import cells
from sim.sizes import DENSE_DISTANCES_MAX_N, TREE_PAIRS_MAX_N

_SLACK = 1e-9  # relative margin, so rounding cannot put a pair just out of reach


def dense_d2(pos: np.ndarray, box: float | None = None) -> np.ndarray:
    """Squared distances (n, n) between all rows of `pos` (minimum image if periodic)."""
    x, y = pos[:, 0], pos[:, 1]
    dx, dy = x[:, None] - x, y[:, None] - y
    if box is not None:
        dx -= box * np.round(dx / box)
        dy -= box * np.round(dy / box)
    dx *= dx
    dy *= dy
    dx += dy
    return dx


def wrap(pos: np.ndarray, box: float | None) -> np.ndarray:
    """Fold positions into [0, box); `x % box` can round to exactly `box`, which cKDTree rejects.

    Positions are returned unchanged when `box` is None (open space).
    """
    if box is None:
        return pos
    folded = np.mod(pos, box)
    folded[folded >= box] = 0.0
    return folded


def close_pairs(pos: np.ndarray, radius: float, box: float | None = None) -> np.ndarray:
    """Index pairs (m, 2), i < j, of rows of `pos` closer than `radius` (periodic if `box`)."""
    n = len(pos)
    if n < 2 or radius <= 0:
        return np.zeros((0, 2), dtype=np.intp)
    if n <= DENSE_DISTANCES_MAX_N:
        i, j = np.nonzero(dense_d2(pos, box) < radius * radius)
        keep = i < j
        return np.column_stack([i[keep], j[keep]])
    tree = cKDTree(wrap(pos, box) if box is not None else pos, boxsize=box)
    return tree.query_pairs(radius, output_type="ndarray")


def pair_vectors(pos: np.ndarray, pairs: np.ndarray, box: float | None = None) -> np.ndarray:
    """Displacements pos[j] − pos[i] (m, 2) for each pair, minimum-image if periodic.

    `take` along axis 0 gathers rows of an (n, 2) array many times faster than `pos[index]`.
    """
    d = pos.take(pairs[:, 1], axis=0) - pos.take(pairs[:, 0], axis=0)
    if box is not None:
        d -= box * np.round(d / box)
    return d


def min_distance(pos: np.ndarray, box: float | None = None) -> float:
    """Smallest distance between any two rows of `pos` (inf for fewer than two)."""
    n = len(pos)
    if n < 2:
        return float("inf")
    if n <= DENSE_DISTANCES_MAX_N:
        d2 = dense_d2(pos, box)
        d2[np.diag_indices(n)] = np.inf
        return float(np.sqrt(d2.min()))
    tree = cKDTree(wrap(pos, box) if box is not None else pos, boxsize=box)
    dist, _ = tree.query(tree.data, k=2)
    return float(dist[:, 1].min())


def pair_sum(n: int, pairs: np.ndarray, to_i: np.ndarray, to_j: np.ndarray) -> np.ndarray:
    """Per-agent sums (n, 2): row to_i[k] is added to agent pairs[k, 0], to_j[k] to pairs[k, 1].

    `np.bincount` with weights is several times faster than `np.add.at` for this scatter.
    """
    i, j = pairs[:, 0], pairs[:, 1]
    return np.column_stack(
        [np.bincount(i, to_i[:, c], n) + np.bincount(j, to_j[:, c], n) for c in (0, 1)]
    )


def pairs_with_distances(
    pos: np.ndarray, radius: float, box: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (m, 2), i < j, closer than `radius`, and their distances (m,), in no fixed order.

    Up to `TREE_PAIRS_MAX_N` agents from `close_pairs`, beyond from the compiled cell list
    (`sim.cells`, no tree and no pair offsets to build); the tests hold the two equal.
    """
    if len(pos) > TREE_PAIRS_MAX_N:
        return cells.close_pairs(pos, radius, box)
    pairs = close_pairs(pos, radius, box)
    d = pair_vectors(pos, pairs, box)
    dist = np.hypot(d[:, 0], d[:, 1])
    near = dist < radius  # the tree's test is ≤: the same strict test as the cell list
    if np.count_nonzero(near) < len(near):
        pairs, dist = pairs[near], dist[near]
    return pairs, dist


def both_directions(pairs: np.ndarray) -> np.ndarray:
    """Directed pairs (2m, 2): each (i, j) of `pairs` (m, 2), then each (j, i).

    Column-major: each column (senders, receivers) is contiguous, as channels read them.
    """
    m = len(pairs)
    out = np.empty((2 * m, 2), dtype=pairs.dtype, order="F")
    out[:m] = pairs
    out[m:, 0] = pairs[:, 1]
    out[m:, 1] = pairs[:, 0]
    return out


def covers_everyone(pos: np.ndarray, radius: float, box: float | None = None) -> bool:
    """Whether `radius` reaches from every row of `pos` to every other (with a margin).

    In a periodic box no two agents are further apart than its half-diagonal box/√2; in open
    space, than the diagonal of the rectangle round them.
    """
    if box is not None:
        farthest = box * math.sqrt(0.5)
    elif len(pos):
        farthest = math.hypot(np.ptp(pos[:, 0]), np.ptp(pos[:, 1]))
    else:
        farthest = 0.0
    return radius >= farthest * (1 + _SLACK)


# A radio keeps at most `cap` links, to its nearest neighbours (`sim.components.network`).


def cap_pairs(pairs: np.ndarray, dist: np.ndarray, cap: int) -> np.ndarray:
    """Mask of pairs kept when each agent keeps its `cap` nearest links (kept by either end)."""
    m = len(pairs)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    order = np.lexsort((np.concatenate([dist, dist]), src))
    ranked = src[order]
    rank = np.arange(2 * m) - np.searchsorted(ranked, ranked, side="left")
    keep = np.zeros(m, dtype=bool)
    keep[(order % m)[rank < cap]] = True
    return keep


def cap_dense(adj: np.ndarray, d2: np.ndarray, cap: int) -> np.ndarray:
    """`cap_pairs` for a dense adjacency matrix.

    Each row keeps what lies below its `cap`-th smallest distance and, of the distances equal
    to it, the lowest columns up to `cap` (a stable sort's choice); `np.partition` finds that
    distance 3-4x faster than sorting every row.
    """
    if cap >= len(adj):  # nobody has more than cap others
        return adj.copy()
    vals = np.where(adj, d2, np.inf)
    kth = np.partition(vals, cap - 1, axis=1)[:, cap - 1 : cap]
    less, tied = vals < kth, vals == kth
    room = cap - np.count_nonzero(less, axis=1)[:, None]
    near = less | (tied & (np.cumsum(tied, axis=1) <= room))
    near &= adj
    return near | near.T


def nearest_links(tree: cKDTree, rows: np.ndarray, cap: int, radius: float) -> np.ndarray:
    """Links (rows, i < j) from each agent to its `cap` nearest neighbours within `radius`."""
    k = len(rows)
    _, j = tree.query(tree.data, k=cap + 1, distance_upper_bound=radius)
    i = np.repeat(np.arange(k), cap + 1)
    j = j.ravel()
    ok = (j < k) & (j != i)
    lo, hi = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
    codes = np.sort(lo.astype(np.int64) * k + hi)  # sorting beats np.unique's hashing here
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes
    local = np.column_stack([codes // k, codes % k]).astype(np.intp)
    return rows.take(local)

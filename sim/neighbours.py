"""Neighbour queries: which pairs of agents lie within a radius.

A dense distance matrix is fastest for a handful of agents; beyond that a k-d tree
(`scipy.spatial.cKDTree`) finds the pairs in O(N log N) instead of comparing all N² pairs.

A radius that covers much of the group has up to N²/2 pairs (5·10⁷ at N = 10,000), too many to
hold at once. `few_pairs` tells, in O(N), whether a radius is safe to query all at once;
otherwise `neighbours_in_chunks` hands out the (agent, neighbour) pairs a bounded chunk at a
time, so memory stays bounded while time grows with the number of pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from scipy.spatial import cKDTree

from sim.sizes import CHUNK_ENTRIES, DENSE_DISTANCES_MAX_N, PAIR_BUDGET

_CELL_SLACK = 1e-9  # cells a little wider than the radius, so rounding cannot split a pair


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


def pairs_and_distances(
    pos: np.ndarray, radius: float, box: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs within `radius`, their distances, and both directions of each pair.

    Returns (pairs (m, 2) with i < j, distances (m,), directed pairs (2m, 2)). One k-d tree
    `query_pairs` and a vectorised distance are faster than asking the tree for its distances
    (`sparse_distance_matrix` returns every pair twice, and each point with itself).
    """
    pairs = close_pairs(pos, radius, box)
    d = pair_vectors(pos, pairs, box)
    dist = np.abs(d.view(np.complex128)[:, 0])  # |dx + i·dy|: ~10x faster than np.hypot
    return pairs, dist, both_directions(pairs)


def both_directions(pairs: np.ndarray) -> np.ndarray:
    """Directed pairs (2m, 2): each (i, j) of `pairs` (m, 2), then each (j, i)."""
    m = len(pairs)
    out = np.empty((2 * m, 2), dtype=pairs.dtype)
    out[:m] = pairs
    out[m:, 0] = pairs[:, 1]
    out[m:, 1] = pairs[:, 0]
    return out


def neighbour_bounds(pos: np.ndarray, radius: float, box: float | None = None) -> np.ndarray:
    """Upper bounds (n,) on how many rows of `pos` lie within `radius` of each row, itself included.

    The agents are binned into square cells at least `radius` wide, so every neighbour of an agent
    lies in its own cell or in one of the 8 around it (periodically if `box`): the count in those
    9 cells bounds its neighbours. O(n), with at most about 4n cells (wider cells only loosen
    the bound).
    """
    n = len(pos)
    side = 2 * math.isqrt(n) + 1  # cells per axis at most
    wide = radius * (1 + _CELL_SLACK)
    if box is None:
        # Column by column: `pos.min(axis=0)` on an (n, 2) array is ~50x slower.
        lo = np.array([pos[:, 0].min(), pos[:, 1].min()]) if n else np.zeros(2)
        extent = max(pos[:, 0].max() - lo[0], pos[:, 1].max() - lo[1]) if n else 0.0
        cell = max(wide, extent / side)
        if cell <= 0:  # all agents coincide and the radius is 0
            return np.full(n, n, dtype=np.intp)
        m = int(extent // cell) + 1
        cells = np.minimum(((pos - lo) / cell).astype(np.intp), m - 1)
    else:
        m = int(box // max(wide, box / side))
        if m < 3:  # every cell touches every other
            return np.full(n, n, dtype=np.intp)
        cells = np.minimum((wrap(pos, box) / (box / m)).astype(np.intp), m - 1)
    flat = cells[:, 0] * m + cells[:, 1]
    counts = np.bincount(flat, minlength=m * m).reshape(m, m)
    # A ring of cells round the grid: empty in open space, the opposite edge in a periodic box.
    ringed = np.pad(counts, 1, mode="constant" if box is None else "wrap")
    nine = sum(ringed[a : a + m, b : b + m] for a in range(3) for b in range(3))
    return nine.reshape(-1)[flat]


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
    return radius >= farthest * (1 + _CELL_SLACK)


def few_pairs(pos: np.ndarray, radius: float, box: float | None = None) -> bool:
    """Whether the pairs of `pos` within `radius` surely number at most `PAIR_BUDGET`."""
    n = len(pos)
    if n * (n - 1) // 2 <= PAIR_BUDGET:
        return True
    return (int(neighbour_bounds(pos, radius, box).sum()) - n) // 2 <= PAIR_BUDGET


def neighbours_in_chunks(
    tree: cKDTree, radius: float, rows: np.ndarray, box: float | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For chunks of `rows`, every (row, neighbour) pair within `radius`, self included.

    Yields ``(chunk, at, j)``: `chunk` holds rows (indices into the tree's points), and each
    entry pairs row ``chunk[at[e]]`` with point ``j[e]``, at a distance ≤ `radius` by the tree's
    own test (an agent is its own neighbour, at distance 0). Rows are taken in the tree's
    spatial order, so that a chunk is compact, and split so that each chunk holds at most about
    `CHUNK_ENTRIES` entries by `neighbour_bounds`.
    """
    rows = np.asarray(rows, dtype=np.intp)
    if len(rows) == 0:
        return
    rank = np.empty(tree.n, dtype=np.intp)
    rank[tree.indices] = np.arange(tree.n)
    rows = rows[np.argsort(rank[rows], kind="stable")]
    weight = np.cumsum(neighbour_bounds(tree.data, radius, box)[rows])
    parts = -(-int(weight[-1]) // CHUNK_ENTRIES)
    cuts = np.searchsorted(weight, weight[-1] * np.arange(1, parts) / parts)
    for chunk in np.split(rows, cuts):
        if len(chunk) == 0:
            continue
        found = cKDTree(tree.data[chunk], boxsize=box).sparse_distance_matrix(
            tree, radius, output_type="ndarray"
        )
        yield chunk, found["i"], found["j"]

"""Measures of how well the group holds together (definitions in NOTES-domain / DESIGN).

| name | definition |
|---|---|
| order | polarisation |Σ v̂_i| / N (1 = all heading the same way) |
| cohesion | mean distance to the group centroid (m) |
| formation_error | mean over followers of ‖p_i − slot_i‖ (m) |
| largest_component | fraction of active agents in the largest communication-graph component |
| algebraic_connectivity | λ₂ of the graph Laplacian L = D − A; > 0 iff the graph is connected |
| min_separation | closest pair distance (m) |
"""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import ThreadpoolController

from sim.arrays import count_nonzero
from sim.sizes import EXACT_LAMBDA2_MAX_N, ONE_BLAS_THREAD_MIN_N

CONNECTED_TOL = 1e-9  # λ₂ above this means connected (round-off stays far below it)


def order(vel: np.ndarray) -> float:
    """Polarisation |Σ v̂_i| / N of velocity rows (agents at rest count as zero vectors)."""
    n = len(vel)
    if n == 0:
        return math.nan
    speed = np.hypot(vel[:, 0], vel[:, 1])
    unit = vel / np.maximum(speed, 1e-12)[:, None]
    return float(np.hypot(*unit.sum(axis=0)) / n)


def cohesion(pos: np.ndarray) -> float:
    """Mean distance of agents to their centroid (m)."""
    if len(pos) == 0:
        return math.nan
    d = pos - pos.sum(axis=0) / len(pos)
    return float(np.hypot(d[:, 0], d[:, 1]).sum() / len(pos))


def order_and_cohesion_few(pos: list, vel: list) -> tuple[float, float]:
    """`order` and `cohesion` of a few agents in plain floats (rows as [x, y] lists).

    For a handful of agents a numpy call per operation costs more than the arithmetic.
    """
    n = len(pos)
    if n == 0:
        return math.nan, math.nan
    hypot = math.hypot
    ux = uy = cx = cy = 0.0
    for (x, y), (vx, vy) in zip(pos, vel, strict=True):
        speed = hypot(vx, vy)
        speed = speed if speed > 1e-12 else 1e-12
        ux, uy = ux + vx / speed, uy + vy / speed
        cx, cy = cx + x, cy + y
    cx, cy = cx / n, cy / n
    spread = sum([hypot(x - cx, y - cy) for x, y in pos])
    return hypot(ux, uy) / n, spread / n


def formation_error(pos: np.ndarray, slots: np.ndarray) -> float:
    """Mean distance of followers from their slots (m); NaN with no followers."""
    if len(pos) == 0:
        return math.nan
    d = pos - slots
    return float(np.add.reduce(np.hypot(d[:, 0], d[:, 1])) / len(d))


def formation_error_few(pos: list, slots: list) -> float:
    """`formation_error` of a few followers in plain floats (rows as [x, y] lists), bit for bit.

    numpy's hypot is C's, as `abs(complex)` is (`math.hypot` rounds its own way), and numpy sums
    pairwise (`numpy_sum`).
    """
    if not pos:
        return math.nan
    dist = [abs(complex(px - sx, py - sy)) for (px, py), (sx, sy) in zip(pos, slots, strict=True)]
    return numpy_sum(dist) / len(dist)


def numpy_sum(values: list) -> float:
    """Sum of up to 128 floats in the order `np.add.reduce` adds a contiguous array.

    One by one below 8 values; else eight running sums, combined pairwise, then the rest one
    by one (numpy's pairwise summation within one block).
    """
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    r = values[:8]
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += values[i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for v in values[i:]:
        total += v
    return total


def graph_metrics(adj: np.ndarray) -> tuple[float, float, int]:
    """(largest_component, algebraic_connectivity, number of components) of a dense graph.

    `adj` is a boolean adjacency matrix; this suits graphs of up to a few hundred nodes.
    """
    n = len(adj)
    if n == 0:
        return math.nan, 0.0, 0
    if n == 1:
        return 1.0, 0.0, 1
    lap = -adj.astype(float)
    lap[np.diag_indices(n)] = adj.sum(axis=1)
    if n > ONE_BLAS_THREAD_MIN_N:
        with _one_blas_thread():
            lam2 = float(np.linalg.eigvalsh(lap)[1])
    else:  # too small for BLAS threads to matter; skip the context's own cost
        lam2 = float(np.linalg.eigvalsh(lap)[1])
    if lam2 > CONNECTED_TOL:  # connected: no need to label components
        return 1.0, lam2, 1
    n_comp, labels = components(n, np.argwhere(np.triu(adj)))  # (its links, i < j)
    if n_comp == 1:
        return 1.0, max(lam2, 0.0), 1
    return float(np.bincount(labels).max() / n), 0.0, n_comp


def components(n: int, edges: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of an undirected graph: (count, label per node).

    Labels number the components in the order of their lowest node, as scipy's
    `connected_components` does. Found by hooking and pointer jumping over the edge list
    (Shiloach & Vishkin 1982): each tree's root is pointed at the lowest root it is linked to,
    then every node takes its pointer's pointer until all point at roots; each round at least
    halves the number of trees, and the last roots are the components' lowest nodes. For a
    1,000-agent formation's ~20,000 links: 0.15 ms, where scipy's takes 0.5 ms (most of it
    building the sparse matrix); tests hold the two equal on random graphs.
    """
    root = np.arange(n)
    if len(edges):
        i, j = edges[:, 0], edges[:, 1]
        while True:
            ri, rj = root.take(i), root.take(j)
            apart = ri != rj
            if not apart.any():
                break
            ri, rj = ri[apart], rj[apart]
            np.minimum.at(root, np.maximum(ri, rj), np.minimum(ri, rj))
            while True:  # pointer jumping until every node points at a root
                up = root.take(root)
                if np.array_equal(up, root):
                    break
                root = up
    is_root = root == np.arange(n)
    return int(count_nonzero(is_root)), (np.cumsum(is_root) - 1).take(root)


def largest_component(n: int, edges: np.ndarray) -> float:
    """Fraction of the n nodes in the largest connected component (NaN for n = 0)."""
    if n == 0:
        return math.nan
    _, labels = components(n, edges)
    return float(np.bincount(labels).max() / n)


def laplacian(n: int, edges: np.ndarray) -> np.ndarray:
    """Dense graph Laplacian L = D − A of an undirected graph."""
    lap = np.zeros((n, n))
    i, j = edges[:, 0], edges[:, 1]
    lap[i, j] = -1.0
    lap[j, i] = -1.0
    lap[np.diag_indices(n)] = -lap.sum(axis=1)
    return lap


_CONTROLLER: ThreadpoolController | None = None


def _one_blas_thread():
    """Context limiting BLAS to one thread (the controller is built once: it scans libraries)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def algebraic_connectivity(n: int, edges: np.ndarray, n_comp: int | None = None) -> float:
    """λ₂ of the Laplacian (Fiedler 1973): 0 iff disconnected; NaN if n > the exact-size cap.

    Pass `n_comp` (number of components) when already known, to skip recomputing it.
    """
    if n < 2:
        return 0.0
    if n_comp is None:
        n_comp, _ = components(n, edges)
    if n_comp > 1:
        return 0.0
    if n > EXACT_LAMBDA2_MAX_N:
        return math.nan
    # Multi-threaded BLAS is 10-100x *slower* for these sizes on a busy 2-core machine.
    with _one_blas_thread():
        eig = np.linalg.eigvalsh(laplacian(n, edges))
    return float(max(eig[1], 0.0))

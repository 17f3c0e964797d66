"""``swarm-sim bench --paths``: both sides of every size-switched dual path, around its threshold.

For each threshold in `sim.sizes` that picks between two ways of computing the same thing, both
ways are timed on the same inputs at sizes below, at and above the threshold (median of repeated
blocks, microseconds per call). A threshold is worth keeping where the faster side changes near
it; the tests hold each pair of paths equal.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from sim import cells, metrics, sizes
from sim.kinematics import steer
from sim.model import SwarmModel
from sim.neighbours import close_pairs, dense_d2, pair_vectors


def per_call_us(call: Callable[[], object], repeats: int) -> float:
    """Median microseconds per call over `repeats` blocks."""
    call()
    block = 1
    while True:  # a block long enough to time (~20 ms)
        t0 = time.perf_counter()
        for _ in range(block):
            call()
        if time.perf_counter() - t0 > 0.02 or block >= 4096:
            break
        block *= 2
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(block):
            call()
        samples.append((time.perf_counter() - t0) / block * 1e6)
    return statistics.median(samples)


def steering(n: int, repeats: int) -> tuple[float, float]:
    """A formation of n agents steered agent by agent (plain floats) vs by the vector laws."""
    model = SwarmModel(n_agents=n, rng=0, max_steps=10**6)
    model.run(60)
    mode, act, p = model.mode, model.active_rows, model.params

    def vector():
        return steer(model.vel[act], mode.desired(model, act), p.max_speed, p.max_accel)

    return per_call_us(lambda: mode.steer_floats(model, act), repeats), per_call_us(vector, repeats)


def order_cohesion(n: int, repeats: int) -> tuple[float, float]:
    """Order and cohesion summed in plain floats vs with numpy arrays."""
    rng = np.random.default_rng(0)
    pos, vel = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    floats = per_call_us(
        lambda: metrics.order_and_cohesion_few(pos.tolist(), vel.tolist()), repeats
    )
    arrays = per_call_us(lambda: (metrics.order(vel), metrics.cohesion(pos)), repeats)
    return floats, arrays


def distances(n: int, repeats: int) -> tuple[float, float]:
    """Neighbour pairs from a full distance matrix vs from a k-d tree (a formation's density)."""
    pos = _spread(n)
    radius = 15.0

    def dense():
        i, j = np.nonzero(dense_d2(pos) < radius * radius)
        return i[i < j], j[i < j]

    return per_call_us(dense, repeats), per_call_us(
        lambda: cKDTree(pos).query_pairs(radius, output_type="ndarray"), repeats
    )


def graph(n: int, repeats: int) -> tuple[float, float]:
    """Graph reporters from a dense adjacency vs from sparse pairs (components + λ₂)."""
    pos = _spread(n)
    adj = dense_d2(pos) < 15.0**2
    np.fill_diagonal(adj, False)
    i, j = np.nonzero(np.triu(adj))
    pairs = np.column_stack([i, j])

    def sparse():
        n_comp, _ = metrics.components(n, pairs)
        return metrics.algebraic_connectivity(n, pairs, n_comp)

    return per_call_us(lambda: metrics.graph_metrics(adj), repeats), per_call_us(sparse, repeats)


def contacts(n: int, repeats: int) -> tuple[float, float]:
    """Pairs closer than the collision radius, with distances: k-d tree vs compiled cell list."""
    pos = _spread(n)

    def tree():
        pairs = close_pairs(pos, 4.5)
        return pairs, np.hypot(*pair_vectors(pos, pairs).T)

    return per_call_us(tree, repeats), per_call_us(
        lambda: cells.close_pairs(pos, 4.5, None), repeats
    )


def _spread(n: int) -> np.ndarray:
    """N points at a grid formation's density (spacing 4 m) with jitter, fixed seed."""
    side = int(np.ceil(np.sqrt(n)))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)[:n]
    return 4.0 * grid + np.random.default_rng(0).uniform(-1, 1, (n, 2))


CASES = (
    ("plain floats: steering", "PLAIN_FLOATS_MAX_N", steering, ("floats", "vectors")),
    ("plain floats: order, cohesion", "PLAIN_FLOATS_MAX_N", order_cohesion, ("floats", "arrays")),
    ("neighbour pairs", "DENSE_DISTANCES_MAX_N", distances, ("matrix", "k-d tree")),
    ("graph reporters", "DENSE_GRAPH_MAX_N", graph, ("dense", "sparse")),
    ("pairs with distances", "TREE_PAIRS_MAX_N", contacts, ("k-d tree", "cell list")),
)


def main(args: argparse.Namespace) -> int:
    """Print both sides of every dual path at sizes around its threshold."""
    repeats = 3 if args.quick else max(1, args.repeats)
    print(f"swarm-sim bench --paths: median of {repeats} blocks, µs per call")
    for title, name, case, (first, second) in CASES:
        threshold = getattr(sizes, name)
        print(f"  {title} ({name} = {threshold}): {first} vs {second}")
        for n in (threshold // 2, threshold, 2 * threshold):
            a, b = case(max(n, 2), repeats)
            side = first if n <= threshold else second
            faster = first if a < b else second
            mark = "" if side == faster else "   <- the other path is faster here"
            print(f"    N={n:>5}: {a:10.1f} vs {b:10.1f}   (uses {side}){mark}")
    return 0

"""The cell-list kernels, compiled by numba (imported through `sim.cells` only when needed).

Couzin's zones and Vicsek's alignment sum, for every agent, a term over the neighbours within a
radius. With numpy the pairs must be listed first — half a million of them for 10,000 agents
in a tight group, ~100 ms per step and hundreds of MB. Here the agents are sorted into square
cells at least a radius wide, and each agent walks the 3 × 3 cells around its own, adding its
terms as it meets its neighbours: O(N) memory whatever the radius, and several times faster.
Numba compiles the loops on first use and caches the machine code beside this file
(`cache=True`), so later processes start at once.

Each agent's sum runs over its neighbours in a fixed order (cell by cell, rows ascending within
a cell), so the same input gives the same result bit for bit, in any process.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_CELLS_PER_AGENT = 4  # in open space, cells grow until there are at most this many per agent


@njit(cache=True)
def _grid(pos, radius, box):
    """Sort agents into cells of side ≥ radius.

    Returns (cell x and y of each agent in sorted order, the sorted rows, the agents' positions in
    that order, where each cell's agents start, cells along x and along y). Torus (box > 0):
    m × m cells tiling the box, m = ⌊box / radius⌋, or one cell when m < 3 (a 3 × 3 walk would
    then meet a cell twice). Open space (box ≤ 0): cells over the agents' bounding box, widened
    until there are at most MAX_CELLS_PER_AGENT per agent.
    """
    n = pos.shape[0]
    px, py = pos[:, 0].copy(), pos[:, 1].copy()
    if box > 0:
        m = int(box // radius) if radius > 0 else 1
        if m < 3:
            m = 1
        mx = my = m
        side = box / m
        for i in range(n):  # fold onto the torus
            px[i] -= box * math.floor(px[i] / box)
            py[i] -= box * math.floor(py[i] / box)
        x0 = y0 = 0.0
    else:
        x0, y0 = px.min(), py.min()
        wx, wy = px.max() - x0, py.max() - y0
        side = max(radius, 1e-12)
        while (int(wx / side) + 1) * (int(wy / side) + 1) > MAX_CELLS_PER_AGENT * n + 9:
            side *= 1.5
        mx, my = int(wx / side) + 1, int(wy / side) + 1
    cell = np.empty(n, dtype=np.int64)
    for i in range(n):
        cx = min(max(int((px[i] - x0) / side), 0), mx - 1)
        cy = min(max(int((py[i] - y0) / side), 0), my - 1)
        cell[i] = cx * my + cy
    order = np.argsort(cell, kind="mergesort")  # stable: rows ascend within a cell
    starts = np.zeros(mx * my + 1, dtype=np.int64)
    for i in range(n):
        starts[cell[i] + 1] += 1
    for c in range(mx * my):
        starts[c + 1] += starts[c]
    sorted_cell = cell[order]
    return sorted_cell // my, sorted_cell % my, order, pos[order], starts, mx, my


@njit(cache=True)
def _neighbour_cells(cx, cy, mx, my, torus):
    """The cells of the 3 × 3 block around (cx, cy) that exist (each once)."""
    out = np.empty(9, dtype=np.int64)
    k = 0
    span = 1 if mx * my > 1 else 0
    for ox in range(-span, span + 1):
        x = cx + ox
        if torus:
            x %= mx
        elif x < 0 or x >= mx:
            continue
        for oy in range(-span, span + 1):
            y = cy + oy
            if torus:
                y %= my
            elif y < 0 or y >= my:
                continue
            out[k] = x * my + y
            k += 1
    return out[:k]


@njit(cache=True)
def _offset(dx, dy, box):
    """Minimum image of an offset on a torus of side box (unchanged when box ≤ 0)."""
    if box > 0:
        dx -= box * round(dx / box)  # half to even, as numpy's round
        dy -= box * round(dy / box)
    return dx, dy


@njit(cache=True)
def zone_sums(pos, heading, repulsion_radius, interaction_radius, box):
    """Couzin's zones for every agent: (desired direction (n, 2), avoiding (n,)).

    Agents with a neighbour closer than α (`repulsion_radius`) get −Σ r_ij over those
    neighbours and are `avoiding`; the others get Σ r_ij over neighbours within ρ
    (`interaction_radius`, attraction) plus Σ v̂_j over them, themselves included (alignment).
    r_ij is the unit vector from i to j (zero for coincident agents). `box` ≤ 0: open space.
    """
    n = pos.shape[0]
    desired = np.zeros((n, 2))
    avoiding = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return desired, avoiding
    gx, gy, order, ps, starts, mx, my = _grid(pos, max(repulsion_radius, interaction_radius), box)
    hs = heading[order]
    a2, r2 = repulsion_radius * repulsion_radius, interaction_radius * interaction_radius
    for a in range(n):
        ax = ay = sx = sy = 0.0
        near = False
        for c in _neighbour_cells(gx[a], gy[a], mx, my, box > 0):
            for b in range(starts[c], starts[c + 1]):
                if b == a:
                    continue
                dx, dy = _offset(ps[b, 0] - ps[a, 0], ps[b, 1] - ps[a, 1], box)
                d2 = dx * dx + dy * dy
                if d2 < a2:
                    d = math.sqrt(max(d2, 1e-12))
                    ax -= dx / d
                    ay -= dy / d
                    near = True
                elif not near and d2 <= r2:
                    d = math.sqrt(max(d2, 1e-12))
                    sx += dx / d + hs[b, 0]
                    sy += dy / d + hs[b, 1]
        i = order[a]
        if near:
            desired[i, 0], desired[i, 1] = ax, ay
            avoiding[i] = True
        else:
            desired[i, 0], desired[i, 1] = sx + hs[a, 0], sy + hs[a, 1]
    return desired, avoiding


@njit(cache=True)
def heading_sums(pos, own, radius, box):
    """Σ v̂_j over the agents j within `radius` of each agent, itself included: (n, 2)."""
    n = pos.shape[0]
    total = np.zeros((n, 2))
    if n == 0:
        return total
    gx, gy, order, ps, starts, mx, my = _grid(pos, radius, box)
    hs = own[order]
    r2 = radius * radius
    for a in range(n):
        sx, sy = hs[a, 0], hs[a, 1]
        for c in _neighbour_cells(gx[a], gy[a], mx, my, box > 0):
            for b in range(starts[c], starts[c + 1]):
                if b == a:
                    continue
                dx, dy = _offset(ps[b, 0] - ps[a, 0], ps[b, 1] - ps[a, 1], box)
                if dx * dx + dy * dy <= r2:
                    sx += hs[b, 0]
                    sy += hs[b, 1]
        total[order[a], 0], total[order[a], 1] = sx, sy
    return total


@njit(cache=True)
def close_pairs(pos, radius, box):
    """Pairs (m, 2) of rows closer than `radius`, smaller row first, and their distances (m,).

    In no particular order (callers count or take a minimum).
    """
    n = pos.shape[0]
    if n < 2 or radius <= 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    gx, gy, order, ps, starts, mx, my = _grid(pos, radius, box)
    r2 = radius * radius
    count = 0
    pairs, dist = np.empty((0, 2), dtype=np.int64), np.empty(0)
    for sweep in range(2):  # count, then fill
        if sweep == 1:
            pairs = np.empty((count, 2), dtype=np.int64)
            dist = np.empty(count)
            count = 0
        for a in range(n):
            for c in _neighbour_cells(gx[a], gy[a], mx, my, box > 0):
                for b in range(max(starts[c], a + 1), starts[c + 1]):  # each pair once
                    dx, dy = _offset(ps[b, 0] - ps[a, 0], ps[b, 1] - ps[a, 1], box)
                    d2 = dx * dx + dy * dy
                    if d2 < r2:
                        if sweep == 1:
                            i, j = order[a], order[b]
                            pairs[count, 0], pairs[count, 1] = min(i, j), max(i, j)
                            dist[count] = math.sqrt(d2)
                        count += 1
    return pairs, dist

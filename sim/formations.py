"""Formation shapes: where each follower's slot sits relative to the leader.

A formation is a list of slot offsets Δ_k in the leader's heading frame (x forward, y to the
left). Follower k tracks the world point ``p_L + R(θ) Δ_k``: the point-agent form of the
leader-referenced l-ψ formation control of Desai, Ostrowski & Kumar (2001). Slots are ranked:
slot 0 is nearest the leader, so "shift" reassignment moves followers up the ranking.
"""

from __future__ import annotations

import math

import numpy as np


def slot_offsets(shape: str, n_slots: int, spacing: float) -> np.ndarray:
    """Offsets (n_slots, 2) of follower slots in the leader frame, nearest slots first.

    Args:
        shape: one of ``wedge``, ``line``, ``column``, ``circle``, ``grid``.
        n_slots: number of followers to place.
        spacing: distance between neighbouring slots (m).
    """
    if n_slots <= 0:
        return np.zeros((0, 2))
    k = np.arange(n_slots)
    if shape == "wedge":
        # Two arms trailing back at ±45°; rank r = 1, 1, 2, 2, ...
        rank = k // 2 + 1
        side = np.where(k % 2 == 0, 1.0, -1.0)
        d = spacing / math.sqrt(2.0)
        return np.column_stack([-rank * d, side * rank * d])
    if shape == "line":
        # Abreast: alternate left and right of the leader.
        rank = k // 2 + 1
        side = np.where(k % 2 == 0, 1.0, -1.0)
        return np.column_stack([np.zeros(n_slots), side * rank * spacing])
    if shape == "column":
        return np.column_stack([-(k + 1) * spacing, np.zeros(n_slots)])
    if shape == "circle":
        # Ring around the leader; radius chosen so neighbouring slots are `spacing` apart,
        # but never closer than `spacing` to the leader at the centre.
        chord = 2 * math.sin(math.pi / n_slots) if n_slots > 1 else 1.0
        radius = max(spacing, spacing / chord)
        angle = math.pi + 2 * math.pi * k / n_slots
        return radius * np.column_stack([np.cos(angle), np.sin(angle)])
    if shape == "grid":
        # Square block behind the leader, leader at the front-centre.
        side = math.ceil(math.sqrt(n_slots + 1))
        rows = math.ceil((n_slots + 1) / side)
        row, col = np.divmod(np.arange(rows * side), side)
        lateral = (col - side // 2) * spacing
        keep = (row > 0) | (lateral != 0)  # the leader holds the front-centre cell
        row, lateral = row[keep], lateral[keep]
        order = np.lexsort((lateral < 0, np.abs(lateral), row))[:n_slots]
        offsets = np.column_stack([-row * spacing, lateral])
        return offsets[order]
    raise ValueError(f"formation must be one of wedge, line, column, circle, grid; got {shape!r}")


def rotate(offsets: np.ndarray, heading: float) -> np.ndarray:
    """Rotate leader-frame offsets (n, 2) into the world frame for a leader heading (rad)."""
    c, s = math.cos(heading), math.sin(heading)
    # Written out rather than `offsets @ R`: a BLAS call for a 2 × 2 rotation wakes OpenBLAS's
    # worker threads, which then spin on the other core (and FMA kernels round per machine).
    x, y = offsets[:, 0], offsets[:, 1]
    out = np.empty(offsets.shape)
    np.subtract(x * c, y * s, out=out[:, 0])
    np.add(x * s, y * c, out=out[:, 1])
    return out


def place_few(offsets: list, heading: float, x: float, y: float) -> list:
    """`rotate` then shift to the leader at (x, y), in plain floats (rows as [x, y] lists).

    The same products and sums as the numpy path, so the same bits.
    """
    c, s = math.cos(heading), math.sin(heading)
    return [[(ox * c - oy * s) + x, (ox * s + oy * c) + y] for ox, oy in offsets]


def formation_radius(offsets: np.ndarray) -> float:
    """Distance from the leader to the farthest slot (m); 0 for no slots."""
    return float(np.max(np.hypot(offsets[:, 0], offsets[:, 1]))) if len(offsets) else 0.0

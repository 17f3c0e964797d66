"""The mission: an abstract route of waypoints the group travels.

Only the shape of the route matters; it is scaled to the arena so the group has room to turn.
"""

from __future__ import annotations

import numpy as np


def default_route(shape: str, arena: float) -> np.ndarray:
    """Waypoints (k, 2) of a named route shape inside a square arena of side `arena` (m)."""
    lo, hi, mid = 0.2 * arena, 0.8 * arena, 0.5 * arena
    if shape == "square":
        pts = [(hi, lo), (hi, hi), (lo, hi), (lo, lo)]
    elif shape == "zigzag":
        pts = [(0.4 * arena, hi), (0.6 * arena, lo), (hi, hi)]
    elif shape == "straight":
        pts = [(hi, mid)]
    elif shape == "loop":
        t = np.linspace(0, 2 * np.pi, 9)[1:]
        r = 0.3 * arena
        return np.column_stack([mid + r * np.cos(t - np.pi), mid + r * np.sin(t - np.pi)])
    else:
        raise ValueError(f"route must be one of square, zigzag, straight, loop; got {shape!r}")
    return np.asarray(pts, dtype=float)


def start_point(shape: str, arena: float) -> np.ndarray:
    """Where the leader starts for a named route (m)."""
    if shape == "loop":
        return np.array([0.2 * arena, 0.5 * arena])
    if shape in ("straight", "zigzag"):
        return np.array([0.2 * arena, 0.5 * arena])
    return np.array([0.2 * arena, 0.2 * arena])

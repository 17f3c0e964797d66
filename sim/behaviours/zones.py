"""Couzin's zones: whom each agent avoids, and whom it aligns with and is drawn to.

The social half of the Couzin et al. (2002, 2005) update (the rest — informed agents, noise,
bounded turning — is in `sim.behaviours.couzin`): with r_ij = (c_j − c_i)/|c_j − c_i|,

    repulsion (priority), if any j within α:   d_i = − Σ_{j≠i, |c_j−c_i|<α} r_ij
    otherwise, neighbours within ρ:            d_i = Σ_{j≠i, |c_j−c_i|≤ρ} r_ij + Σ_{|c_j−c_i|≤ρ} v_j

Small groups use n × n matrices; larger ones a compiled cell list (`sim.cells`),
which needs O(n) memory whatever the radii.
"""

from __future__ import annotations

import numpy as np

from sim import cells
from sim.sizes import ZONES_DENSE_MAX_N

TINY = 1e-12  # vectors shorter than this have no direction


def _dense_social_direction(
    pos: np.ndarray,
    heading: np.ndarray,
    repulsion_radius: float,
    interaction_radius: float,
    box: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """`social_direction` from full n × n distance matrices (faster for small groups).

    Also the plain reference the faster paths are tested against.
    """
    dx = pos[None, :, 0] - pos[:, None, 0]  # [i, j] = x_j − x_i
    dy = pos[None, :, 1] - pos[:, None, 1]
    if box is not None:  # minimum image
        dx -= box * np.round(dx / box)
        dy -= box * np.round(dy / box)
    d2 = dx * dx + dy * dy
    np.fill_diagonal(d2, np.inf)  # nobody is its own neighbour
    within = d2 <= interaction_radius**2
    near = d2 < repulsion_radius**2
    # Weights 1/d turn offsets into unit vectors r_ij; coincident agents have offset 0.
    inv = 1.0 / np.sqrt(np.maximum(d2, TINY))
    w_toward = np.where(within, inv, 0.0)
    w_away = np.where(near, inv, 0.0)
    toward = np.column_stack([(w_toward * dx).sum(1), (w_toward * dy).sum(1)])
    away = -np.column_stack([(w_away * dx).sum(1), (w_away * dy).sum(1)])
    avoiding = near.any(axis=1)
    align = heading + within.astype(float) @ heading
    return np.where(avoiding[:, None], away, toward + align), avoiding


def social_direction(
    pos: np.ndarray,
    heading: np.ndarray,
    *,
    repulsion_radius: float,
    interaction_radius: float,
    box: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Desired directions (n, 2) from neighbours alone, and a mask of agents avoiding someone.

    Rows may be zero (e.g. a repulsion that cancels out); the caller keeps the old heading then.
    Up to `ZONES_DENSE_MAX_N` agents from n × n matrices, beyond from the cell list: the same
    sums (tests hold them equal), added in another order.
    """
    n = len(pos)
    if n <= ZONES_DENSE_MAX_N:
        return _dense_social_direction(pos, heading, repulsion_radius, interaction_radius, box)
    return cells.zone_sums(pos, heading, repulsion_radius, interaction_radius, box)

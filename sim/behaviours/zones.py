"""Couzin's zones: whom each agent avoids, and whom it aligns with and is drawn to.

The social half of the Couzin et al. (2002, 2005) update (the rest — informed agents, noise,
bounded turning — is in `sim.behaviours.couzin`): with r_ij = (c_j − c_i)/|c_j − c_i|,

    repulsion (priority), if any j within α:   d_i = − Σ_{j≠i, |c_j−c_i|<α} r_ij
    otherwise, neighbours within ρ:            d_i = Σ_{j≠i, |c_j−c_i|≤ρ} r_ij + Σ_{|c_j−c_i|≤ρ} v_j

Small groups use n × n matrices. Larger ones find the repulsion pairs with a k-d tree, and sum
attraction and alignment only for the agents that avoid nobody (repulsion overrides the rest),
over dense rows or over the tree's pairs, whichever is cheaper for how packed the group is.
When a radius covers so much of the group that its pairs would not fit in memory at once
(`sim.neighbours.few_pairs`), the same sums are taken over bounded chunks of agents instead.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.neighbours import few_pairs, neighbours_in_chunks, wrap
from sim.sizes import ZONES_DENSE_MAX_N, ZONES_PAIR_COST, ZONES_ROWS_MAX_ENTRIES

TINY = 1e-12  # vectors shorter than this have no direction
_SLACK = 1e-9  # relative margin on k-d tree radii; the exact test is then made here


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


def _as_complex(vectors: np.ndarray) -> np.ndarray:
    """Rows (n, 2) as complex numbers x + iy (n,), so one array operation covers both axes."""
    return np.ascontiguousarray(vectors, dtype=float).view(complex).reshape(-1)


def _min_image(offsets: np.ndarray, box: float | None) -> np.ndarray:
    """Complex offsets folded, in place, to the nearest periodic image (unchanged if no box)."""
    if box is not None:
        offsets -= box * np.round(offsets / box)  # rounds real and imaginary parts apart
    return offsets


def _close_pairs(
    tree: cKDTree, z: np.ndarray, radius: float, box: float | None, *, strict: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (m, 2), i < j, with |c_j − c_i| < `radius` (or ≤ if not `strict`).

    Returns the pairs, their offsets c_j − c_i (complex, minimum image) and squared lengths.
    The tree is asked for a slightly larger radius; the exact test is made here.
    """
    pairs = tree.query_pairs(radius * (1 + _SLACK), output_type="ndarray")
    dz = _min_image(z[pairs[:, 1]] - z[pairs[:, 0]], box)
    d2 = dz.real**2 + dz.imag**2
    keep = d2 < radius**2 if strict else d2 <= radius**2
    if keep.all():  # the usual case: nothing on the margin
        return pairs, dz, d2
    return pairs[keep], dz[keep], d2[keep]


def _pair_sums(pairs: np.ndarray, to_i: np.ndarray, to_j: np.ndarray, n: int) -> np.ndarray:
    """Σ over pairs (i, j) of `to_i` into row i and of `to_j` into row j: (n, 2) from complex."""
    ends = pairs.reshape(-1)  # i0, j0, i1, j1, …
    terms = np.column_stack([to_i, to_j]).reshape(-1)
    sums = np.empty((n, 2))  # float even with no pairs (bincount would give integers)
    sums[:, 0] = np.bincount(ends, terms.real, n)
    sums[:, 1] = np.bincount(ends, terms.imag, n)
    return sums


def _avoidance(
    tree: cKDTree, z: np.ndarray, repulsion_radius: float, box: float | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Avoidance: −Σ r_ij over neighbours closer than α (n, 2).

    Also returns the mask (n,) of agents with any such neighbour, and the number of pairs.
    """
    n = len(z)
    pairs, dz, d2 = _close_pairs(tree, z, repulsion_radius, box, strict=True)
    r_ij = dz / np.sqrt(np.maximum(d2, TINY))  # coincident agents push neither way
    avoiding = np.bincount(pairs.reshape(-1), minlength=n) > 0
    return _pair_sums(pairs, -r_ij, r_ij, n), avoiding, len(pairs)  # r_ji = −r_ij


def _rows_are_cheaper(
    n_free: int, n: int, near_pairs: int, repulsion_radius: float, interaction_radius: float
) -> bool:
    """Whether dense rows (n_free × n entries) beat the k-d tree's pairs within ρ.

    The pairs within ρ are estimated from the `near_pairs` within α, times the area ratio
    (ρ/α)²: a packed group has many, a scattered one few (and then pairs win).
    """
    entries = n_free * n
    if entries > ZONES_ROWS_MAX_ENTRIES:
        return False
    if repulsion_radius <= 0:  # no repulsion zone to count with
        return True
    expected_pairs = near_pairs * (interaction_radius / repulsion_radius) ** 2
    return entries <= ZONES_PAIR_COST * expected_pairs


def _attraction_rows(
    z: np.ndarray,
    heading: np.ndarray,
    rows: np.ndarray,
    interaction_radius: float,
    box: float | None,
) -> np.ndarray:
    """Σ_{j≠i} r_ij + Σ v_j over neighbours within ρ, self included, for agents `rows` (k, 2).

    Dense: a (k, n) matrix of offsets. The agent itself is within ρ at offset 0, so it adds
    its own heading to the alignment sum and nothing to the attraction sum.
    """
    dz = _min_image(z - z[rows, None], box)  # [k, j] = c_j − c_rows[k]
    d2 = np.square(dz.real)
    d2 += np.square(dz.imag)
    within = d2 <= interaction_radius**2
    weight = np.maximum(d2, TINY, out=d2)  # in place: these (k, n) passes are the cost here
    np.sqrt(weight, out=weight)
    np.divide(within, weight, out=weight)  # 1/d turns offsets into unit vectors
    toward = np.matmul(weight[:, None, :], dz.view(float).reshape(len(rows), len(z), 2))
    return toward[:, 0] + within.astype(float) @ heading


def _attraction_pairs(
    tree: cKDTree,
    z: np.ndarray,
    heading: np.ndarray,
    interaction_radius: float,
    box: float | None,
) -> np.ndarray:
    """`_attraction_rows` for all n agents (n, 2), from the k-d tree's pairs (large groups)."""
    pairs, dz, d2 = _close_pairs(tree, z, interaction_radius, box, strict=False)
    r_ij = dz / np.sqrt(np.maximum(d2, TINY))
    h = _as_complex(heading)
    seen = h[pairs[:, ::-1]]  # i sees v_j and j sees v_i
    return heading + _pair_sums(pairs, r_ij + seen[:, 0], seen[:, 1] - r_ij, len(z))


def _chunk_offsets(
    z: np.ndarray, chunk: np.ndarray, at: np.ndarray, j: np.ndarray, box: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Offsets c_j − c_i (complex, minimum image) and squared lengths of a chunk's entries."""
    dz = _min_image(z[j] - z[chunk[at]], box)
    return dz, dz.real**2 + dz.imag**2


def _chunk_sums(at: np.ndarray, terms: np.ndarray, k: int) -> np.ndarray:
    """Σ of complex `terms` into rows `at` of a chunk of k agents: (k, 2)."""
    return np.column_stack([np.bincount(at, terms.real, k), np.bincount(at, terms.imag, k)])


def _avoidance_chunks(
    tree: cKDTree, z: np.ndarray, repulsion_radius: float, box: float | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """`_avoidance` over bounded chunks of agents, for a repulsion zone holding too many pairs."""
    n = len(z)
    away, avoiding, entries = np.zeros((n, 2)), np.zeros(n, dtype=bool), 0
    reach = repulsion_radius * (1 + _SLACK)  # the exact test is made here
    for chunk, at, j in neighbours_in_chunks(tree, reach, np.arange(n), box):
        dz, d2 = _chunk_offsets(z, chunk, at, j, box)
        keep = (d2 < repulsion_radius**2) & (chunk[at] != j)  # coincident others count
        at, dz, d2 = at[keep], dz[keep], d2[keep]
        away[chunk] = _chunk_sums(at, -dz / np.sqrt(np.maximum(d2, TINY)), len(chunk))
        avoiding[chunk] = np.bincount(at, minlength=len(chunk)) > 0
        entries += len(at)
    return away, avoiding, entries // 2  # each pair was met from both ends


def _attraction_chunks(
    tree: cKDTree,
    z: np.ndarray,
    heading: np.ndarray,
    rows: np.ndarray,
    interaction_radius: float,
    box: float | None,
) -> np.ndarray:
    """`_attraction_rows` for agents `rows` (k, 2), over bounded chunks of the tree's pairs."""
    h = _as_complex(heading)
    out = np.empty((len(z), 2))
    reach = interaction_radius * (1 + _SLACK)
    for chunk, at, j in neighbours_in_chunks(tree, reach, rows, box):
        dz, d2 = _chunk_offsets(z, chunk, at, j, box)
        keep = d2 <= interaction_radius**2  # the agent itself too: offset 0, its own heading
        at, dz, d2, j = at[keep], dz[keep], d2[keep], j[keep]
        out[chunk] = _chunk_sums(at, dz / np.sqrt(np.maximum(d2, TINY)) + h[j], len(chunk))
    return out[rows]


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
    Beyond `ZONES_DENSE_MAX_N` agents a k-d tree finds who is avoiding someone (repulsion overrides
    the rest), and attraction and alignment are summed only for the other agents; a zone with
    more pairs than fit in memory at once is summed over chunks of agents.
    """
    n = len(pos)
    if n <= ZONES_DENSE_MAX_N:
        return _dense_social_direction(pos, heading, repulsion_radius, interaction_radius, box)
    z = _as_complex(pos)
    tree = cKDTree(wrap(pos, box), boxsize=box)
    if few_pairs(tree.data, repulsion_radius, box):
        desired, avoiding, near_pairs = _avoidance(tree, z, repulsion_radius, box)
    else:
        desired, avoiding, near_pairs = _avoidance_chunks(tree, z, repulsion_radius, box)
    free = np.flatnonzero(~avoiding)
    if _rows_are_cheaper(len(free), n, near_pairs, repulsion_radius, interaction_radius):
        desired[free] = _attraction_rows(z, heading, free, interaction_radius, box)
    elif few_pairs(tree.data, interaction_radius, box):
        desired[free] = _attraction_pairs(tree, z, heading, interaction_radius, box)[free]
    else:
        desired[free] = _attraction_chunks(tree, z, heading, free, interaction_radius, box)
    return desired, avoiding

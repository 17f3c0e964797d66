"""Boids that follow a leader: Reynolds (1987) plus an attraction to the leader.

Each follower blends three local rules over neighbours within its vision radius — separation
(move away from those too close), alignment (match their mean velocity) and cohesion (move
toward their centroid) — and a fourth, attraction toward the leader, which is what lets an
explicit leader steer the flock along the route. The result is a desired velocity; the model's
kinematics clip it to the speed and acceleration limits.
"""

from __future__ import annotations

import numpy as np

from sim.kinematics import arrival_velocity

SEPARATION_WEIGHT = 0.6  # m/step of push per m of intrusion
ALIGNMENT_WEIGHT = 0.3  # fraction of the velocity difference closed per step
COHESION_WEIGHT = 0.02  # 1/step
LEADER_WEIGHT = 0.08  # 1/step, gain of the arrival law toward the leader
LEADER_ALIGN = 0.1  # fraction of the difference to the leader's velocity closed per step


def flock_velocity(
    pos: np.ndarray,
    vel: np.ndarray,
    pairs: np.ndarray,
    leader_pos: np.ndarray | None,
    *,
    separation_radius: float,
    max_accel: float,
    leader_vel: np.ndarray | None = None,
    flock_radius: float = 0.0,
    dist: np.ndarray | None = None,
) -> np.ndarray:
    """Desired velocities (n, 2) of boids given neighbour pairs within the vision radius.

    Args:
        pos: positions (n, 2) of the active agents (m).
        vel: velocities (n, 2) (m/step).
        pairs: index pairs (m, 2), i < j, of agents that see each other.
        leader_pos: position of the leader (2,), or None when there is none.
        separation_radius: neighbours closer than this push each other apart (m).
        max_accel: acceleration limit, used to brake the approach to the leader (m/step²).
        leader_vel: the leader's velocity (2,) or per agent (n, 2): matched a little each step.
        flock_radius: agents closer than this to the leader feel no pull toward it (m). The
            pull only gathers stragglers; inside the flock the local rules set the spacing,
            so density does not grow with the size of the flock.
        dist: the pairs' distances (m,), when already known.
    """
    n = len(pos)
    i, j = pairs[:, 0].copy(), pairs[:, 1].copy()  # contiguous: every gather below is faster
    if dist is None:
        d = pos[j] - pos[i]
        dist = np.hypot(d[:, 0], d[:, 1])
    count = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    inv = 1.0 / np.maximum(count, 1)
    inv_i, inv_j = inv[i], inv[j]
    # Alignment and cohesion are means over neighbours: mean(v_j) − v_i = mean(v_j − v_i) and
    # centroid − p_i = mean(p_j − p_i), so both are built from per-pair differences, each pair
    # weighted by 1/count of the agent receiving it. Separation is a plain sum of pushes.
    # Worked one coordinate at a time, on contiguous 1-D arrays.
    intrusion = np.clip(separation_radius - dist, 0.0, None) / np.maximum(dist, 1e-9)
    intrusion *= SEPARATION_WEIGHT
    desired = vel.copy()
    for c in (0, 1):
        p, v = pos[:, c], vel[:, c]
        d = p[j] - p[i]
        social = COHESION_WEIGHT * d + ALIGNMENT_WEIGHT * (v[j] - v[i])
        push = d * intrusion
        desired[:, c] += np.bincount(i, social * inv_i - push, n)
        desired[:, c] += np.bincount(j, push - social * inv_j, n)
    if leader_pos is not None:
        gap = leader_pos - pos
        dist = np.hypot(gap[:, 0], gap[:, 1])
        outside = np.clip(1.0 - flock_radius / np.maximum(dist, 1e-9), 0.0, None)
        desired += arrival_velocity(gap * outside[:, None], LEADER_WEIGHT, max_accel)
    if leader_vel is not None:
        desired += LEADER_ALIGN * (leader_vel - vel)
    return desired

"""Degraded positioning: each agent steers from its own *estimate* of where it is.

What an agent can and cannot know:

- It knows its own velocity (it commands it) and its own position *estimate*: truth plus
  N(0, position_noise²) per axis while it has fixes, pure dead reckoning once positioning is lost.
- It senses neighbours' *relative* positions accurately within sensing range (used only for
  separation).
- It knows the leader's state, the route and its slot only from heartbeats that reached it.
- It does not know its true position, whether another agent has dropped out (only that its
  messages stopped), or anything about agents it has no message path to.

With positioning (a fix every step) the error is fresh Gaussian noise each step and does not
grow. When positioning is lost, the estimate is advanced by dead reckoning — the agent adds its
own velocity — and each step adds a random-walk error of `drift_noise` (m per step, per axis), so
the error grows like √t: the classic drift of inertial navigation without fixes.
"""

from __future__ import annotations

import numpy as np


def fix_estimates(pos: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Estimates from a positioning fix: truth plus Gaussian noise (std `noise`, m)."""
    if noise <= 0:
        return pos.copy()
    return pos + rng.normal(0.0, noise, pos.shape)


def dead_reckon(
    estimate: np.ndarray, vel: np.ndarray, drift: float, rng: np.random.Generator
) -> np.ndarray:
    """Advance estimates by the agents' own velocities plus random-walk drift (std `drift`, m)."""
    step = estimate + vel
    if drift > 0:
        step += rng.normal(0.0, drift, estimate.shape)
    return step


def estimate_error(estimate: np.ndarray, pos: np.ndarray) -> float:
    """Mean distance between estimates and true positions (m)."""
    if len(pos) == 0:
        return float("nan")
    d = estimate - pos
    return float(np.hypot(d[:, 0], d[:, 1]).mean())

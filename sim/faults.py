"""Faults: agents dropping out at random, at a scheduled time, or on demand.

Random dropout is a Bernoulli trial per active agent per step with probability `dropout_rate`,
so an agent's lifetime is geometric with mean 1 / dropout_rate steps.
"""

from __future__ import annotations

import numpy as np


def sample_dropouts(active: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Rows of active agents that drop out this step (one Bernoulli draw per active agent)."""
    if rate <= 0.0:
        return np.zeros(0, dtype=np.intp)
    rows = np.flatnonzero(active)
    return rows[rng.random(len(rows)) < rate]

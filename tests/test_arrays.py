"""The small-array shortcuts give numpy's own results."""

from __future__ import annotations

import numpy as np

from sim.arrays import count_nonzero


def test_count_nonzero_counts_as_numpy_does():
    """count_nonzero equals np.count_nonzero on masks, integers and floats of any size."""
    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 10, 64, 1000):
        for a in (rng.random(n) < 0.3, rng.integers(-2, 3, n), rng.normal(size=n).round()):
            assert count_nonzero(a) == np.count_nonzero(a)
            assert type(count_nonzero(a)) is type(np.count_nonzero(a))

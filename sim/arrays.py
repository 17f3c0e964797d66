"""Small-array shortcuts: numpy's C functions, called without their Python wrappers.

For the handful of agents of a lesson, the wrapper numpy puts around `count_nonzero` (dispatch
for other array libraries) costs three times the counting itself, and the leadership layer
counts several masks every step.
"""

from __future__ import annotations

import numpy as np

try:  # numpy 2: the C function behind np.count_nonzero(a) (no axis)
    from numpy._core.multiarray import count_nonzero
except ImportError:  # another numpy layout: the public function, same results
    count_nonzero = np.count_nonzero

__all__ = ["count_nonzero"]

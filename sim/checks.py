"""Checking what people type: whole numbers, agent ids, points, seeds.

Every check returns the value in the form the model uses or raises a `ValueError` that names the
argument and says what is allowed, so the constructor, the model's verbs, the CLI, experiment
files and the UI all give the same clear error. (`SwarmParams` checks its own fields.)
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

SHOWN_CHARS = 60  # an error message quotes at most this much of a bad value


def shown(value: Any) -> str:
    """`repr(value)` for an error message, shortened when long (10**400 has 401 digits)."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[: SHOWN_CHARS - 12]}… ({len(text)} characters)"


def is_whole(value: Any) -> bool:
    """True for Python / numpy integers and integral finite floats (2.0); never for booleans."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer()


SEED_FORMS = "None, a non-negative integer, a string of digits or a numpy Generator"


def check_whole(name: str, value: Any, lo: int, hi: int) -> int:
    """Return `value` as an int if it is a whole number in [lo, hi].

    Whole numbers are Python and numpy integers and floats with an integral value (2.0).
    Booleans, strings, None, NaN, inf and fractional numbers are not.

    Raises:
        ValueError: naming `name` and the range, e.g. "steps must be a whole number in [1, 10]".
    """
    if is_whole(value) and lo <= value <= hi:
        return int(value)
    raise ValueError(f"{name} must be a whole number in [{lo}, {hi}]; got {shown(value)}")


def check_unique_id(value: Any, n: int) -> int:
    """Return `value` as an agent's unique_id (a whole number in [1, n], see `check_whole`)."""
    return check_whole("unique_id", value, 1, n)


def check_point(name: str, value: Any) -> np.ndarray:
    """Return `value` as a float array [x, y] if it holds exactly two finite real numbers.

    A tuple, list or numpy array (also of shape (1, 2)) of Python or numpy numbers is accepted;
    booleans, text, mappings and numbers too large for a float are not.

    Raises:
        ValueError: naming `name`, e.g. "waypoint must be two finite numbers (x, y); got ...".
    """
    try:
        items = np.asarray(value, dtype=object).reshape(-1)
    except (TypeError, ValueError):
        items = None
    if items is not None and items.shape == (2,) and all(map(_is_finite_real, items)):
        return np.array([float(c) for c in items])
    raise ValueError(f"{name} must be two finite numbers (x, y); got {shown(value)}")


def _is_finite_real(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def coerce_seed(value: Any) -> Any:
    """Return the seed to hand to Mesa: None, a non-negative int, or a numpy random object.

    Accepted: None (a fresh random seed); Python and numpy integers >= 0; text of digits as typed
    into the UI's seed field (" 42 "; "" and "none" mean None); numpy's Generator, BitGenerator
    and SeedSequence (passed through unchanged). Negative numbers, floats (even 2.0), NaN,
    booleans, other text and sequences are refused.

    Raises:
        ValueError: naming `rng` and the accepted forms.
    """
    random_objects = (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)
    if value is None or isinstance(value, random_objects):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "none"):
            return None
        if text.isascii() and text.isdigit():
            try:
                return int(text)
            except ValueError:  # more digits than int() converts
                pass
    elif is_whole(value) and isinstance(value, numbers.Integral) and value >= 0:
        return int(value)
    raise ValueError(f"rng (seed) must be {SEED_FORMS}; got {shown(value)}")

"""Wording of the event log: counts with the right grammatical number."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 step', '2 steps', '0 steps': `n` and the noun in the number it takes."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"

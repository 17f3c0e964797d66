"""What a lesson is: a `Preset` — parameters, a seed, its text and a claim a test checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.lessons.guide import Guide


@dataclass(frozen=True)
class Preset:
    """A lesson: parameters, seed, text and the claim it demonstrates."""

    title: str
    overrides: dict[str, Any]
    seed: int
    watch: str
    why: str
    question: str
    claim: str
    check: Callable[[Any], bool] = field(repr=False)
    steps: int | None = None  # run length for the check (None: until the mission ends)
    guide: Guide | None = None  # guided mode: pause at the key moment, ask, report (None: none)

    @property
    def lesson(self) -> str:
        """The lesson as one paragraph of plain text."""
        return f"Watch: {self.watch} Why: {self.why} Ask: {self.question}"

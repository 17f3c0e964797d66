"""Guided lessons: pause at the key moment, ask the class a prediction, then compare with the claim.

A `Guide` is optional data on a lesson (`sim.lessons.base.Preset.guide`). It names the lesson's
key moment (a step, or the first event of a kind such as ``dropout``), a multiple-choice
`Prediction` whose choices are told apart by measuring the run (`Guide.outcome`: which choice
happened, or None while that is not known yet), and `Guide.report`: what happened, in numbers
measured on the run itself. The UI (`sim.ui.guide`) pauses Play at the moment, shows the
prediction, reveals it once the outcome is known and ends with the report beside the lesson's
claim. A test runs every guided lesson on its seed and asserts that its right answer happens.

Plain Python on the model's public log (`model.events`) and summary: no UI, no model import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MIN_CHOICES, MAX_CHOICES = 3, 4
LETTERS = "ABCD"


@dataclass(frozen=True)
class Prediction:
    """A multiple-choice question for the class, with its right answer and a one-line why."""

    question: str
    choices: tuple[str, ...]
    answer: int  # index into `choices`
    why: str

    def __post_init__(self) -> None:
        if not MIN_CHOICES <= len(self.choices) <= MAX_CHOICES:
            raise ValueError(
                f"a prediction needs {MIN_CHOICES} to {MAX_CHOICES} choices; "
                f"got {len(self.choices)}"
            )
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(
                f"answer must be a choice's index in [0, {len(self.choices) - 1}]; "
                f"got {self.answer!r}"
            )

    def label(self, i: int) -> str:
        """Choice `i` with its letter: 'B. Tens of steps ...'."""
        return f"{LETTERS[i]}. {self.choices[i]}"


@dataclass(frozen=True)
class Guide:
    """A lesson's guided mode: its key moment, a prediction, and how the outcome is measured.

    Attributes:
        moment: the step Play pauses at, or the kind of event whose first occurrence it pauses at.
        moment_detail: with an event kind, only an event with this detail counts (``"leader"``:
            the leader's dropout, not a follower's).
        moment_text: what has just happened at the moment, for the class ("the leader dropped
            out").
        prediction: the question asked there.
        outcome: model -> index of the choice that happened in this run (None: not known yet).
        report: model -> what happened, one paragraph with numbers measured on the run.
    """

    moment: int | str
    moment_text: str
    prediction: Prediction
    outcome: Callable[[Any], int | None] = field(repr=False)
    report: Callable[[Any], str] = field(repr=False)
    moment_detail: str | None = None


def moment_time(guide: Guide, model) -> int | None:
    """The step of the guide's key moment in this run (None: not reached yet)."""
    if isinstance(guide.moment, int):
        return guide.moment if model.time >= guide.moment else None
    found = [e for e in events(model, guide.moment) if guide.moment_detail in (None, e[3])]
    return int(found[0][0]) if found else None


def reached(guide: Guide, model, t_before: float) -> bool:
    """True when the step just taken (from `t_before` to now) crossed the key moment."""
    t = moment_time(guide, model)
    return t is not None and t_before < t <= model.time


def finished(preset, model) -> bool:
    """True once the lesson's run is over: the mission ended, or the lesson's steps are done."""
    return bool(model.mission_over or (preset.steps and model.time >= preset.steps))


def revealed(guide: Guide, model) -> int | None:
    """The choice that happened, once it is known and Play has gone on past the moment."""
    t = moment_time(guide, model)
    if t is None or model.time <= t:
        return None
    return guide.outcome(model)


# ---------------------------------------------------------------- measuring a run's log
def events(model, kind: str, since: float = 0) -> list[tuple[int, str, int, str]]:
    """Logged events of one kind at or after step `since`."""
    return [e for e in model.events if e[1] == kind and e[0] >= since]


def first(model, kind: str, since: float = 0) -> tuple[int, str, int, str] | None:
    """The first event of `kind` at or after `since` (None: none yet)."""
    found = events(model, kind, since)
    return found[0] if found else None

"""Named presets: lessons that reproduce one phenomenon on a fixed seed.

Each preset carries parameter overrides, a seed, a title, a short lesson (what to watch, why it
happens, a question for students) and its claim in checkable form: ``check(model)`` is True on
that seed once the run has ended, and a test asserts it, so a lesson cannot silently stop
showing what it promises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PRESET = "leader_handover"


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

    @property
    def lesson(self) -> str:
        """The lesson as one paragraph of plain text."""
        return f"Watch: {self.watch} Why: {self.why} Ask: {self.question}"


def _summary(model) -> dict[str, Any]:
    return model.summary()


PRESETS: dict[str, Preset] = {
    "leader_handover": Preset(
        title="The leader drops out, another takes over",
        overrides=dict(n_agents=10, formation="wedge", leader_dropout_at=300),
        seed=1,
        watch="at step 300 the leader drops out; a follower becomes leader and the wedge re-forms "
        "around it.",
        why="every follower holds a slot relative to the leader; when the leader is lost, a "
        "replacement rule picks a new one and the slots are reassigned.",
        question="what would happen if nobody were allowed to take the leader's place?",
        claim="the mission completes with exactly one leader change",
        check=lambda m: _summary(m)["mission_success"] and _summary(m)["leader_changes"] == 1,
    ),
    "no_replacement": Preset(
        title="Nobody takes over: the mission fails",
        overrides=dict(n_agents=10, formation="wedge", leader_dropout_at=300, election="none"),
        seed=1,
        watch="after the leader drops out at step 300, the followers slow down and drift.",
        why="only the leader knows the route; with election=none no one replaces it.",
        question="how is this different from a flock of birds that has no leader at all?",
        claim="with election=none the mission fails after the leader drops out",
        check=lambda m: not _summary(m)["mission_success"] and m.n_leaders == 0,
    ),
    "flock_follow": Preset(
        title="A flock that follows its leader",
        overrides=dict(n_agents=30, coordination="flock", leader_dropout_at=400),
        seed=2,
        watch="boids keep apart, align and stay together while being drawn toward the leader; "
        "the leader drops out at step 400 and the flock follows the new one.",
        why="Reynolds' three local rules keep a flock together; attraction to the leader gives it "
        "a direction.",
        question="why does the flock take longer than a formation to settle behind a new leader?",
        claim="the flock completes the route with one leader change",
        check=lambda m: _summary(m)["mission_success"] and _summary(m)["leader_changes"] == 1,
    ),
    "big_grid": Preset(
        title="A hundred agents in a grid",
        overrides=dict(n_agents=100, formation="grid", route="straight"),
        seed=3,
        watch="a 10×10 block forms behind the leader and travels in one piece.",
        why="each follower only tracks its own slot, so the rule scales to any group size.",
        question="what limits how fast a large formation can turn?",
        claim="the grid forms (formation error under a quarter of the spacing) and arrives",
        check=lambda m: (
            _summary(m)["mission_success"]
            and _summary(m)["mean_formation_error"] < 0.25 * m.params.spacing
        ),
    ),
}


def resolve(preset: str | None, params: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Merge a preset's overrides with explicit keywords; return (settings, preset seed).

    Raises:
        ValueError: for an unknown preset name.
    """
    if preset is None or preset == "":
        return dict(params), None
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {preset!r}")
    chosen = PRESETS[preset]
    return {**chosen.overrides, **params}, chosen.seed

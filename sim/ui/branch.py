"""Branch: fork the run shown into swarms A and B that differ only from the step shown on.

"What if the leader had dropped out *here*?" At any step reached (also after going back on the
timeline), `branch_here` makes swarm B an exact copy of swarm A at that step (same positions,
messages in flight, generator state and history: `sim.timeline.Timeline.fork`) and applies one
change to B alone: a fault (`FAULTS`) or a new value of a parameter that may change mid-run
(`sim.midrun.LIVE_PARAMS`). The change goes into B's timeline like any fault button, so going
back and playing on reproduces B bit for bit. Up to the branch step A and B are the same run;
after it they differ only by the change and what followed from it.

Compare mode then shows both, labelled (`Branch.labels`); Play steps both. A Reset, a lesson
or leaving compare mode ends the branch. Plain Python (no Solara): tested without a browser.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sim.midrun import LIVE_PARAMS, check_live

# what B can get at the branch: label -> the session's fault verb
FAULTS = {
    "drop the leader": "drop_leader",
    "drop a random agent": "drop_random",
    "jam communications": "jam",
    "lose positioning": "lose_positioning",
}
PARAM = "change a parameter"
JAM_MAX = 10_000  # steps (as the Faults card's jam)
CHANGES = [*FAULTS, PARAM]
_RUN_IDS = itertools.count(10**6)  # (the session's own ids count from 1)


@dataclass(frozen=True)
class Branch:
    """How swarm B was forked from swarm A.

    Attributes:
        step: the step of the fork (A and B are the same run up to it).
        change: what B got there, in words, e.g. "message loss 0.4" or "leader dropped".
        marks: the interventions B's timeline recorded for it, (step, verb, args).
    """

    step: int
    change: str
    marks: tuple[tuple[int, str, tuple], ...]

    def labels(self, session) -> tuple[str, str]:
        """Names of A and B, e.g. ('A: as it was', 'B: branched at t=120, message loss 0.4').

        An intervention made later before the branch step (in both swarms) replaces B's
        future, the change included; the label then says so.
        """
        b = f"B: branched at t={self.step}, {self.change}"
        if len(session.timelines) < 2 or not set(self.marks) <= set(
            session.timelines[1].interventions
        ):
            b += f" (undone by a change to both before t={self.step})"
        return "A: as it was", b


def branch_here(session, change: str, value: Any = None, field: str | None = None) -> Branch:
    """Fork swarm B off swarm A at the step A shows, then apply `change` to B only.

    Args:
        session: a `sim.ui.session.Session` (compare mode or not; a branch replaces B).
        change: one of `CHANGES`: a fault's label, or `PARAM`.
        value: the jam's steps (for "jam communications") or the parameter's new value.
        field: the parameter to change (with `PARAM`), one of `LIVE_PARAMS`.

    Raises:
        ValueError: for an unknown change or parameter, a value out of range (naming the
            parameter and its range), a value equal to A's, or a mission already over.
    """
    with session.lock:
        model = session.model
        if change not in CHANGES:
            raise ValueError(f"branch change must be one of {', '.join(CHANGES)}; got {change!r}")
        if model.mission_over:
            raise ValueError(
                f"the mission is over at t={int(model.time)}: go back on the timeline to branch"
            )
        if change == PARAM:
            check_live(field)
            new = getattr(model.params.replace(**{field: value}), field)  # range checked
            if new == getattr(model.params, field):
                raise ValueError(f"{field} is {new} in A already: give B a different value")
        elif change == "jam communications":
            value = jam_steps(value)
        step = int(model.time)
        twin = session.timelines[0].fork()
        session.compare = None
        session.models = [model, twin.model]
        session.timelines = [session.timelines[0], twin]
        session.runs = [session.runs[0], next(_RUN_IDS)]  # B's view starts afresh
        session.synced_at = step
        before = len(twin.interventions)
        if change == PARAM:
            twin.apply("change_param", field, new)
            text = f"{field.replace('_', ' ')} {new}"
        else:
            text = _fault(session, FAULTS[change], value)
        marks = tuple(twin.interventions[before:])
        session.branch = Branch(step, text, marks)
        return session.branch


def _fault(session, verb: str, value: Any) -> str:
    """Apply the fault `verb` to swarm B; return what happened, in words."""
    if verb == "drop_leader":
        leader = session.models[1].leader
        session.drop_leader(which=1)
        if leader < 0:
            return "no leader to drop"
        return f"leader (agent {int(session.models[1].ids[leader])}) dropped"
    if verb == "drop_random":
        uid = session.drop_random(which=1)
        return f"agent {uid} dropped" if uid is not None else "no agent left to drop"
    if verb == "jam":
        session.jam(value, which=1)
        return f"communications jammed for {value} steps"
    session.lose_positioning(which=1)
    return "positioning lost"


def jam_steps(value: Any) -> int:
    """The jam's length from its text field; ValueError naming it and its range if bad."""
    try:
        n = int(str(value).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= JAM_MAX:
        raise ValueError(f"jam steps must be a whole number in [1, {JAM_MAX}]; got {value!r}")
    return n


def end_branch(session) -> None:
    """Back to one swarm (A as it is), the branch forgotten."""
    with session.lock:
        if session.branch is None:
            return
        session.compare = None
        session.models = session.models[:1]
        session.timelines = session.timelines[:1]
        session.runs = session.runs[:1]
        session.branch = None


def csv_starts(session) -> list[int]:
    """The first step of each swarm's rows in a CSV export: B's from the branch step on."""
    if session.branch is None:
        return [0] * len(session.models)
    return [0, session.branch.step]


def help_text() -> str:
    """The Branch card's help: what it does, and which parameters may change mid-run."""
    live = "; ".join(f"{k}: {v}" for k, v in LIVE_PARAMS.items())
    return (
        "Pause, go to a step (or drag the timeline back), choose what B gets, then Branch"
        " here: B becomes an exact copy of A at that step and only B gets the change. Both"
        " play on side by side. Parameters that can change mid-run: " + live + "."
    )

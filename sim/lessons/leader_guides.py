"""Guides for the leader lessons: a prediction at the leader's loss, a report measured on the run.

Each `Guide` (see `sim.lessons.guide`) tells its choices apart by measuring the run: how long
until the whole group follows a new leader, whether the followers stop, how many terms raft
needed. `tests/test_guides.py` runs each guided lesson on its seed and asserts that its right
answer is what happens.
"""

from __future__ import annotations

import math

import numpy as np

from sim.lessons.guide import Guide, Prediction, events, first
from sim.wording import count

# leader_handover: a recovery within this many steps counts as "at once" (the oracle's 0-1);
# within FEW_STEPS as "a few steps"; beyond, "tens of steps".
AT_ONCE_STEPS = 1
FEW_STEPS = 10
# no_replacement: followers "brake to a halt" when their mean speed is below this share of the
# cruising speed (seed 1: 0.02 when the mission is declared failed).
HALT_FRACTION = 0.25
# succession_handover: recoveries within this many steps of the voting twin's count as "about
# as long" (seed 1: 16 steps against lowest_id's 30).
SAME_STEPS = 3
VOTING_CACHE = 16  # runs whose voting twin's recovery is kept (keyed by parameters and seed)
_VOTING: dict[tuple, int | None] = {}


def leader_lost(model) -> tuple[int, str, int, str] | None:
    """The first event of the leader dropping out (None: it has not)."""
    return next((e for e in events(model, "dropout") if e[3] == "leader"), None)


def speed_share(model) -> float:
    """The active agents' mean speed as a share of the cruising speed."""
    cruise = model.params.cruise_fraction * model.params.max_speed
    return float(np.hypot(*model.vel[model.active].T).mean() / cruise)


def story(model) -> list[str]:
    """The leader's loss and what followed, in sentences with numbers measured on this run."""
    lost = leader_lost(model)
    if lost is None:
        return ["The leader did not drop out in this run."]
    t = lost[0]
    said = [f"The leader (agent {lost[2]}) dropped out at step {t}."]
    noticed = first(model, "leader_lost_detected", t)
    if noticed:
        later = count(noticed[0] - t, "step")
        said.append(f"Agent {noticed[2]} noticed its silence at step {noticed[0]}, {later} later.")
    elected = first(model, "leader_elected", t)
    if elected:
        said.append(f"Agent {elected[2]} became leader at step {elected[0]}.")
    s = model.summary()
    recovery, leaderless = s["max_recovery_steps"], count(s["leaderless_steps"], "step")
    if math.isfinite(recovery):
        said.append(
            f"The whole group followed it again: recovered in {count(recovery, 'step')}; "
            f"leaderless for {leaderless}."
        )
    else:
        said.append(f"Nobody took over: leaderless for {leaderless}.")
    if model.outcome == "mission_complete":
        said.append(f"Mission complete at step {s['completion_time']}.")
    elif model.outcome == "mission_failed":
        failed = first(model, "mission_failed")
        said.append(f"Mission failed at step {failed[0] if failed else int(model.time)}.")
    return said


# ---------------------------------------------------------------- leader_handover
def handover_outcome(model) -> int | None:
    """0: at once, 1: a few steps, 2: tens of steps, 3: nobody takes over (None: not yet)."""
    lost = leader_lost(model)
    if lost is None:
        return None
    recovered = first(model, "recovered", lost[0])
    if recovered:
        steps = recovered[0] - lost[0]
        return 0 if steps <= AT_ONCE_STEPS else 1 if steps <= FEW_STEPS else 2
    return 3 if model.mission_over else None


HANDOVER_GUIDE = Guide(
    moment="dropout",
    moment_detail="leader",
    moment_text="The leader has just dropped out.",
    prediction=Prediction(
        question="How long until the whole group follows a new leader?",
        choices=(
            "At once: another takes its place in the same step",
            f"A few steps (at most {FEW_STEPS}): they see it vanish and pick a new one",
            f"Longer (more than {FEW_STEPS} steps): they fly on, notice the silence, then elect",
            "Never: without their leader the followers cannot go on",
        ),
        answer=2,
        why="Nobody sees a leader vanish: followers only suspect it after missing its "
        "heartbeats for their timeout, and then the election needs its own rounds of messages.",
    ),
    outcome=handover_outcome,
    report=lambda model: " ".join(story(model)),
)


# ---------------------------------------------------------------- no_replacement
def stranded_outcome(model) -> int | None:
    """0: completes anyway, 1: brake and fail, 2: someone takes over, 3: scatter and fail."""
    lost = leader_lost(model)
    if lost is None:
        return None
    if first(model, "leader_elected", lost[0]):
        return 2
    if model.outcome == "mission_complete":
        return 0
    if model.outcome == "mission_failed":
        return 1 if speed_share(model) < HALT_FRACTION else 3
    return None


def stranded_report(model) -> str:
    """`story`, and how fast the followers move now."""
    share = f"{100 * speed_share(model):.0f} %"
    return " ".join([*story(model), f"The followers now move at {share} of cruising speed."])


STRANDED_GUIDE = Guide(
    moment="dropout",
    moment_detail="leader",
    moment_text="The leader has just dropped out, and nobody is allowed to take its place.",
    prediction=Prediction(
        question="What will the followers do?",
        choices=(
            "Fly the rest of the route without it and complete the mission",
            "Fly on a little, then brake to a halt where they are: the mission fails",
            "One of them takes over anyway",
            "Keep moving, each its own way: the mission fails",
        ),
        answer=1,
        why="Only the leader knows the route and hands out the slots: a follower that gives up "
        "on its leader has nothing to steer by, so it stops.",
    ),
    outcome=stranded_outcome,
    report=stranded_report,
)


# ---------------------------------------------------------------- lossy_raft
def lossy_vote_outcome(model) -> int | None:
    """0: never a leader, 1: first term wins, 2: a later term wins, 3: two leaders at once."""
    started = first(model, "election_started")
    if started is None:
        return None
    won = first(model, "leader_elected", started[0])
    if (won or model.mission_over) and _most_leaders(model) > 1:
        return 3
    if won:
        terms = [e for e in events(model, "election_started", started[0]) if e[0] <= won[0]]
        return 1 if len(terms) == 1 and won[2] == started[2] else 2
    return 0 if model.mission_over else None


def _most_leaders(model) -> int:
    """The most leaders the group had at once in this run."""
    return int(model.datacollector.get_model_vars_dataframe()["n_leaders"].max())


def lossy_vote_report(model) -> str:
    """`story`, the terms it took and how many messages got through."""
    said = story(model)
    started = first(model, "election_started")
    won = first(model, "leader_elected", started[0]) if started else None
    if won:
        terms = [e for e in events(model, "election_started", started[0]) if e[0] <= won[0]]
        tries = count(len(terms), "candidacy", "candidacies")
        at = len(said) - 1 if model.outcome else len(said)  # (before the mission's end)
        said.insert(at, f"It took {tries} (a new term each) before one won a majority.")
    sent, delivered = model.network.counts()
    if sent:
        said.append(
            f"{delivered:,} of {sent:,} messages got through ({100 * delivered / sent:.0f} %)."
        )
    return " ".join(said)


LOSSY_VOTE_GUIDE = Guide(
    moment="election_started",
    moment_text="A follower has noticed the silence and asks the others for their votes; "
    "60 % of all messages are lost.",
    prediction=Prediction(
        question="What happens to this vote?",
        choices=(
            "No candidate ever collects a majority: the group stays leaderless",
            "This candidate wins, as quickly as without loss",
            "Its term runs out before enough votes arrive; a later candidate wins",
            "Two candidates both win: the group has two leaders",
        ),
        answer=2,
        why="Each lost request or vote costs a step; when the candidate's time runs out first, "
        "another stands in a newer term. A majority is never split, so never two leaders.",
    ),
    outcome=lossy_vote_outcome,
    report=lossy_vote_report,
)


# ---------------------------------------------------------------- succession_handover
def recovery_steps(model) -> int | None:
    """Steps from the leader's loss to the whole group following a new leader (None: not yet)."""
    lost = leader_lost(model)
    recovered = first(model, "recovered", lost[0]) if lost else None
    return recovered[0] - lost[0] if recovered else None


def voting_recovery(model) -> int | None:
    """Recovery steps of the same run with the lowest_id vote instead (its twin runs once)."""
    key = (repr(sorted(model.params.as_dict().items())), model.seed)
    if key not in _VOTING or model.seed is None:
        twin = model.twin(election="lowest_id")
        while recovery_steps(twin) is None and not twin.mission_over:
            twin.step()
        if len(_VOTING) > VOTING_CACHE:
            _VOTING.clear()
        _VOTING[key] = recovery_steps(twin)
    return _VOTING[key]


def succession_outcome(model) -> int | None:
    """0: longer than the vote, 1: about as long, 2: shorter, 3: nobody takes over."""
    steps = recovery_steps(model)
    if steps is None:
        return 3 if model.mission_over and leader_lost(model) else None
    voting = voting_recovery(model)
    if voting is None or steps < voting - SAME_STEPS:
        return 2
    return 0 if steps > voting + SAME_STEPS else 1


def succession_report(model) -> str:
    """`story`, and the same run's recovery with a vote instead."""
    said = story(model)
    voting = voting_recovery(model) if recovery_steps(model) is not None else None
    if voting is not None:
        at = len(said) - 1 if model.outcome else len(said)
        said.insert(
            at, f"With the lowest_id vote instead (same seed) it took {count(voting, 'step')}."
        )
    return " ".join(said)


SUCCESSION_GUIDE = Guide(
    moment="dropout",
    moment_detail="leader",
    moment_text="The leader has just dropped out; agent 2 is next in the order agreed before the "
    "mission.",
    prediction=Prediction(
        question="Compared with a vote (lowest_id, lesson 1), how long until the group follows "
        "a new leader?",
        choices=(
            "Longer: the others must first confirm agent 2 in a vote",
            f"About as long (within {SAME_STEPS} steps): noticing the loss is what takes time",
            "Shorter: agent 2 takes over as soon as it notices the silence, with no vote",
            "Never: agent 2 waits for the lost leader to hand over",
        ),
        answer=2,
        why="The order was agreed in advance, so no message is needed: each agent knows who is "
        "next. The price: if agent 2 is cut off, nobody else steps in until its turn passes.",
    ),
    outcome=succession_outcome,
    report=succession_report,
)

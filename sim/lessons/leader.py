"""Lessons with a leader: formations and flocks that lose their leader and replace it.

Each states its claim in checkable form (`sim.lessons.base.Preset`); `tests/test_presets.py` runs
every one on its seed. They are merged into `sim.presets.PRESETS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.lessons.base import Preset
from sim.lessons.leader_guides import (
    HANDOVER_GUIDE,
    LOSSY_VOTE_GUIDE,
    STRANDED_GUIDE,
    SUCCESSION_GUIDE,
)

# no_replacement: the mission fails this soon after the loss (seeds 0-11: 20-24 steps), with the
# followers' mean speed below this share of the cruising speed (seeds 0-11: at most 0.12).
NO_REPLACEMENT_ENDS_WITHIN = 50
STOPPED_FRACTION = 0.25
# flock_follow: over FLOCK_WINDOW steps from the loss the flock's order stays above
# FLOCK_MIN_ORDER (seeds 0-9: 0.94-0.98) while a wedge's falls below WEDGE_STOPPED_ORDER (0 on
# seeds 0-9: its members stop); the flock follows a new leader within FLOCK_RECOVERS_WITHIN
# steps (seeds 0-9: 24-26).
FLOCK_DROPOUT_AT = 400
FLOCK_WINDOW = 100
FLOCK_MIN_ORDER = 0.9
WEDGE_STOPPED_ORDER = 0.5
FLOCK_RECOVERS_WITHIN = 40


def _summary(model) -> dict[str, Any]:
    return model.summary()


def _series(model, name: str):
    return model.datacollector.get_model_vars_dataframe()[name]


def _terms(model) -> list[int]:
    return [term for _, _, term in model.elections]


def _events(model, kind: str, group: bool | None = None) -> list[tuple[float, str, int, str]]:
    """Logged events of one kind (group: only those about the group (True) or an agent (False))."""
    return [e for e in model.events if e[1] == kind and (group is None or (e[2] < 0) == group)]


def _splits_once_meets_once(model) -> bool:
    """One split, one meeting (after the front reached the last waypoint), one step-down."""
    summary = _summary(model)
    last = f"waypoint {len(model.route) - 1}"
    arrived = [t for t, _, _, detail in _events(model, "waypoint_reached") if detail == last]
    merges = _events(model, "merge", group=True)
    return (
        summary["mission_success"]
        and len(_events(model, "partition")) == 1
        and len(merges) == 1
        and merges[0][0] > min(arrived)
        and len(_events(model, "leader_stepped_down")) == 1
        and summary["leader_changes"] == 1
        and _series(model, "n_leaders").max() == 2
        and model.n_leaders == 1
    )


def _no_replacement_stops(model) -> bool:
    """Nobody takes over; the followers brake to (almost) a halt; the mission fails soon after."""
    lost = _events(model, "dropout")[0][0]
    failed = _events(model, "mission_failed")
    cruise = model.params.cruise_fraction * model.params.max_speed
    speed = np.hypot(*model.vel[model.active].T).mean()
    return (
        not _summary(model)["mission_success"]
        and model.n_leaders == 0
        and not _events(model, "leader_elected")
        and len(failed) == 1
        and failed[0][0] - lost <= NO_REPLACEMENT_ENDS_WITHIN
        and speed < STOPPED_FRACTION * cruise
    )


def _succession_sends_nothing(model) -> bool:
    """Agent 2 takes over, nothing but heartbeats is sent, nobody starts an election."""
    return (
        _summary(model)["mission_success"]
        and [uid for _, uid, _ in model.elections] == [2]
        and set(model.network.channels) == {"heartbeat"}
        and not model.network.unicasts
        and not _events(model, "election_started")
    )


def _flock_flies_on(model) -> bool:
    """The flock keeps its heading through the handover; the same group in a wedge stops."""
    summary = _summary(model)
    lost = FLOCK_DROPOUT_AT
    window = slice(lost, lost + FLOCK_WINDOW)
    wedge = model.twin(coordination="formation")
    wedge.run(lost + FLOCK_WINDOW)
    return (
        summary["mission_success"]
        and summary["leader_changes"] == 1
        and summary["max_recovery_steps"] <= FLOCK_RECOVERS_WITHIN
        and _series(model, "order").iloc[window].min() > FLOCK_MIN_ORDER
        and _series(wedge, "order").iloc[window].min() < WEDGE_STOPPED_ORDER
    )


def _slower_than_lossless(model) -> bool:
    """The run recovered more slowly than its twin without message loss (same seed)."""
    twin = model.twin(message_loss=0.0)
    lossless = twin.run()["max_recovery_steps"]
    return _summary(model)["max_recovery_steps"] > lossless


LEADER_PRESETS: dict[str, Preset] = {
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
        guide=HANDOVER_GUIDE,
    ),
    "no_replacement": Preset(
        title="Nobody takes over: the mission fails",
        overrides=dict(n_agents=10, formation="wedge", leader_dropout_at=300, election="none"),
        seed=1,
        watch="the leader drops out at step 300. For a dozen steps the followers fly on to "
        "where they expect it to be; then they notice its heartbeats have stopped, give up on "
        "it and brake to a halt where they are. Nobody may take over, so a few steps later "
        "(about step 320) the mission is declared failed; the run goes on to its last step.",
        why="only the leader knows the route; with election=none no one replaces it, and a "
        "follower without a leader has nothing to steer by.",
        question="how is this different from a flock of birds that has no leader at all?",
        claim="with election=none nobody takes over: the followers stop and the mission is "
        "declared failed within 50 steps of the leader's loss",
        check=_no_replacement_stops,
        guide=STRANDED_GUIDE,
    ),
    "raft_handover": Preset(
        title="Raft: a vote decides who leads",
        overrides=dict(n_agents=10, election="raft", leader_dropout_at=300),
        seed=1,
        watch="after the leader drops out, one follower times out first, asks the others for "
        "their votes and becomes leader once a majority has answered.",
        why="each agent votes once per term, so at most one candidate can collect a majority.",
        question="why do the followers wait a random time before standing as candidates?",
        claim="raft elects one new leader in term 2 and the mission completes",
        check=lambda m: _summary(m)["mission_success"] and _terms(m) == [2],
    ),
    "succession_handover": Preset(
        title="Succession: the next in line takes over",
        overrides=dict(n_agents=10, election="succession", leader_dropout_at=300),
        seed=1,
        watch="agent 2, next in the agreed order, takes over as soon as it notices the silence; "
        "no election message is sent.",
        why="an order agreed before the mission replaces voting, which is fast and cheap.",
        question="what goes wrong if agent 2 happens to be out of range when the leader is lost?",
        claim="agent 2 takes over, no election is started and no message but heartbeats is "
        "sent, and the mission completes",
        check=_succession_sends_nothing,
        guide=SUCCESSION_GUIDE,
    ),
    "lossy_raft": Preset(
        title="Raft under heavy message loss",
        overrides=dict(n_agents=10, election="raft", leader_dropout_at=300, message_loss=0.6),
        seed=3,
        watch="with 60 % of messages lost, heartbeats, vote requests and votes must be sent again "
        "and again before they get through: a new leader still takes over and the mission "
        "completes, but it takes longer than in 'Raft: a vote decides who leads'.",
        why="a candidate re-sends its request every step until it is answered, and every vote is "
        "re-sent hop by hop until it crosses; each lost message costs a step.",
        question="how does the time to recover change as message loss grows? When would a "
        "candidate's term end without a winner?",
        claim="under 60 % message loss raft still replaces the leader and the mission completes, "
        "but recovery takes longer than on the same seed without loss",
        check=lambda m: _summary(m)["mission_success"] and _slower_than_lossless(m),
        guide=LOSSY_VOTE_GUIDE,
    ),
    "blackout_split_brain": Preset(
        title="Blackout: everyone thinks it is alone",
        overrides=dict(
            n_agents=10,
            election="lowest_id",
            leader_dropout_at=300,
            blackout_at=295,
            blackout_steps=60,
        ),
        seed=1,
        watch="communication is jammed from step 295 to 355 and the leader drops out at 300: "
        "hearing no one, every agent declares itself leader. When the jamming ends, all but one "
        "step down.",
        why="lowest_id picks the lowest id an agent has heard of; cut off, each hears only itself."
        " Two leaders that meet resolve it: higher term, then lower id, wins.",
        question="would raft, which needs a majority, behave the same way?",
        claim="during the blackout more than two agents lead at once; afterwards exactly one",
        check=lambda m: _series(m, "n_leaders").max() > 2 and m.n_leaders == 1,
    ),
    "blackout_raft": Preset(
        title="Blackout: raft waits for a majority",
        overrides=dict(
            n_agents=10, election="raft", leader_dropout_at=300, blackout_at=295, blackout_steps=60
        ),
        seed=3,
        watch="the same blackout as in the split-brain lesson, but with raft: nobody can win "
        "while cut off, so the group waits leaderless and elects once messages flow again.",
        why="a raft candidate needs votes from a majority of the group, which no isolated agent "
        "can get: safety (never two leaders in a term) costs availability.",
        question="which is worse for the mission: no leader for a while, or many leaders?",
        claim="raft never has two leaders and elects only after the blackout ends",
        check=lambda m: _series(m, "n_leaders").max() == 1 and m.elections[0][0] >= 355,
    ),
    "chain_breaks": Preset(
        title="The chain breaks: two groups, two leaders, then one",
        overrides=dict(
            n_agents=10,
            formation="column",
            comm_range=6.0,
            route="loop",
            scheduled_dropouts=((250, 5),),
        ),
        seed=1,
        watch="in a column where each agent can only talk to its neighbours, agent 5 drops out "
        "at step 250: the five behind it are cut off, elect their own leader and fly the route "
        "alone, behind the front. The front arrives first and waits at the last waypoint; when "
        "the rear catches up, the two parts meet again and the older leader steps down.",
        why="information travels only by relay, so a broken chain splits the group (a partition)"
        "; each part that loses contact elects its own leader. Two leaders that meet resolve it:"
        " the higher term wins.",
        question="how could the group be arranged so that one loss cannot split it?",
        claim="the group splits once into two led parts, they meet again once, at the last "
        "waypoint, one leader steps down and the mission completes with exactly one leader",
        check=_splits_once_meets_once,
    ),
    "cascade": Preset(
        title="Cascading losses: three leaders in a row",
        overrides=dict(n_agents=12, scheduled_dropouts=((300, 1), (360, 2), (420, 3))),
        seed=1,
        watch="the leader drops out, then its successor, then the next one: each time the group "
        "notices, elects, and re-forms.",
        why="every replacement costs a detection time plus an election time; the mission goes on "
        "as long as someone is left to lead.",
        question="how many steps did the group spend without a leader in total?",
        claim="three leader changes and the mission still completes",
        check=lambda m: _summary(m)["mission_success"] and _summary(m)["leader_changes"] == 3,
    ),
    "lost_positioning": Preset(
        title="Positioning lost: the formation drifts apart",
        overrides=dict(n_agents=10, positioning_lost_at=250, drift_noise=0.05),
        seed=1,
        watch="at step 250 positioning fixes stop: each agent now guesses where it is from its "
        "own speed and heading (dead reckoning) and its error grows, so the wedge slowly smears "
        "even though everyone follows the rules.",
        why="without fixes, small random errors add up like a random walk (error ∝ √t).",
        question="which agents drift most, and would sensing neighbours help?",
        claim="formation error grows more than fivefold after positioning is lost",
        check=lambda m: (
            _series(m, "formation_error").iloc[-100:].mean()
            > 5 * _series(m, "formation_error").iloc[150:250].mean()
        ),
    ),
    "oracle_handover": Preset(
        title="The idealised claim: another takes over instantly",
        overrides=dict(n_agents=10, leader_dropout_at=300, information="oracle"),
        seed=1,
        watch="with perfect, instant knowledge, a new leader takes over in the same step. Compare"
        " with 'The leader drops out, another takes over', where the group must notice first.",
        why="the oracle is the claim 'if one drops out, another instantly takes its place'; "
        "real groups pay detection and election time.",
        question="which part of the real recovery time is detection, which is election?",
        claim="recovery takes at most one step",
        check=lambda m: _summary(m)["max_recovery_steps"] <= 1 and _summary(m)["mission_success"],
    ),
    "flock_follow": Preset(
        title="A flock that follows its leader",
        overrides=dict(n_agents=30, coordination="flock", leader_dropout_at=FLOCK_DROPOUT_AT),
        seed=2,
        watch="boids keep apart, align and stay together while being drawn toward the leader. "
        "The leader drops out at step 400: the flock flies on in the same direction (the order "
        "chart stays near 1) and about 25 steps later follows the new leader. A flock has no "
        "slots, so the formation-error chart stays empty.",
        why="Reynolds' three local rules keep a flock together and moving even without a leader;"
        " attraction to the leader only gives it a direction. In a formation, an agent that has "
        "given up on its leader has no slot to steer to, so it brakes and holds its position "
        "until a new leader hands out slots again.",
        question="load this lesson in compare mode with coordination = formation: why does the "
        "wedge stop after the loss while the flock flies on? What does the flock give up by "
        "having no fixed slots?",
        claim="the flock completes the route with one leader change, follows the new leader "
        "within 40 steps and keeps its heading through the handover (order above 0.9 for 100 "
        "steps), while the same group in a wedge stops (order below 0.5)",
        check=_flock_flies_on,
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

"""Lessons on leadership without a leader: an informed minority steers a group (Couzin 2005).

Couzin, Krause, Franks & Levin (2005), "Effective leadership and decision-making in animal groups
on the move", Nature 433:513. A few agents know a preferred direction ĝ; nobody signals who they
are; the group still travels along ĝ. These presets follow `sim.presets`: each states its claim
in checkable form and a test runs it on its seed. They are merged into `sim.PRESETS`.

Both lessons use a short route (one 60 m leg in a 100 m arena) so that a run takes about 700
steps, and a waypoint radius of 8 m, about the size of a group of 50 (a group steered by a few
informed agents cannot thread a 3 m gate: with ĝ fixed, a heading 10° off drifts 10 m sideways
over 60 m).
"""

from __future__ import annotations

import numpy as np

from sim.presets import Preset

SETTLE_STEPS = 200  # steps the group takes to form before its heading is judged

_ONE_LEG = dict(
    coordination="couzin",
    n_agents=50,
    arena_size=100.0,
    waypoints=((20.0, 50.0), (80.0, 50.0)),
    waypoint_radius=8.0,
    max_steps=1200,
)


def _after_settling(model, column: str) -> np.ndarray:
    """Values of one data-collector column from step SETTLE_STEPS on."""
    frame = model.datacollector.get_model_vars_dataframe()
    return frame[column].to_numpy()[SETTLE_STEPS:]


def _heads_along_goal(model) -> bool:
    """The group arrived, polarised (mean order > 0.8) and within ≈ 17° of ĝ (median)."""
    return (
        model.summary()["mission_success"]
        and float(np.mean(_after_settling(model, "order"))) > 0.8
        and float(np.nanmedian(_after_settling(model, "direction_error"))) < 0.3
    )


def _informed_lost(model) -> int:
    """Number of informed agents that dropped out."""
    return int((model.mode.informed & ~model.active).sum())


def _survives_informed_losses(model) -> bool:
    """Half the informed agents (and nobody else) dropped out; no leader; the group arrived."""
    informed = model.mode.informed
    frame = model.datacollector.get_model_vars_dataframe()
    return (
        model.summary()["mission_success"]
        and 2 * _informed_lost(model) >= informed.sum()
        and bool(model.active[~informed].all())
        and bool((frame["n_leaders"] == 0).all())
    )


COLLECTIVE_PRESETS: dict[str, Preset] = {
    "informed_few": Preset(
        title="An informed few lead the many",
        overrides=dict(_ONE_LEG, informed_fraction=0.1),
        seed=1,
        watch="50 agents start as a loose crowd heading every which way. Within a few hundred "
        "steps they swim as one group toward the waypoint — yet only 5 of them know where it "
        "is, and nothing marks which 5.",
        why="everyone aligns with and stays close to its neighbours; the 5 informed agents "
        "also lean toward their preferred direction. Their small, consistent bias adds up "
        "while the others' choices cancel out, so the whole group follows them (Couzin et al. "
        "2005).",
        question="set informed_fraction to 0: does the group still hold together? Where does "
        "it go? Then try 0.02 and 0.3.",
        claim="with 5 informed agents out of 50 the group stays polarised (mean order > 0.8 "
        "after step 200), heads along ĝ (median direction error < 0.3 rad) and its centroid "
        "reaches the waypoint",
        check=_heads_along_goal,
    ),
    "leader_vs_informed": Preset(
        title="No single point of failure: informed agents drop out, the group carries on",
        overrides=dict(
            _ONE_LEG, informed_fraction=0.2, dropout_rate=0.002, dropout_pool="informed"
        ),
        seed=0,
        watch="10 of the 50 agents know the way. One by one, informed agents drop out — only "
        "informed ones. No leader is lost because there is none, no election starts, and the "
        "group keeps going.",
        why="in a formation one leader carries the route, so losing it stops the mission "
        "unless someone takes over (compare the 'no_replacement' lesson). Here the knowledge "
        "is spread over several agents and their pull is pooled: each loss weakens the "
        "steering a little, and the group only drifts off course once too few remain.",
        question="raise dropout_rate until the group fails to arrive. How many informed "
        "agents were left then? Try other seeds: how often does it still arrive?",
        claim="random dropouts remove at least half of the informed agents (and nobody else), "
        "there is never a leader, and the group's centroid still reaches the waypoint",
        check=_survives_informed_losses,
    ),
}

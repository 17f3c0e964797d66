"""Couzin: no leader — an informed minority steers the group (Couzin et al. 2005).

The zone rules and the informed agents' pull are in `sim.behaviours.couzin`; this mode places
the group at the route's start, moves it by those rules, counts a waypoint as reached when the
group's centre gets there, and reports `direction_error`: the angle between the group's mean
heading and the informed agents' preferred direction ĝ.
"""

from __future__ import annotations

import math

import numpy as np

from sim.behaviours.couzin import CouzinBehaviour
from sim.modes.base import Mode


class Couzin(Mode):
    """Leadership without a leader: nobody signals who knows the way."""

    name = "couzin"

    def place(self, model) -> tuple[np.ndarray, np.ndarray]:
        """One cohesive group at the route's start; then the informed agents are chosen."""
        pos, vel = CouzinBehaviour.place(model)
        self.behaviour = CouzinBehaviour(model)
        return pos, vel

    @property
    def informed(self) -> np.ndarray:
        """Which agents know the preferred direction (a mask over all agents)."""
        return self.behaviour.informed

    def velocities(self, model, act: np.ndarray) -> np.ndarray:
        """The zone rules with the informed agents' pull (`CouzinBehaviour.velocities`)."""
        return self.behaviour.velocities(model)[act]

    def advance(self, model) -> None:
        """A waypoint is reached when the group's centre gets there; the last one is success."""
        mission = model.mission
        if not model.active.any() or mission.over:
            return
        if mission.reach_group_waypoint(model.pos[model.active].mean(axis=0)):
            mission.end(
                "mission_complete", "the group's centroid reached the last waypoint", model.time, -1
            )

    def waypoint_index(self, model) -> int:
        """The group's next waypoint."""
        return model.mission.group_index

    def dropout_pool(self, model) -> np.ndarray:
        """dropout_pool="informed": only informed agents drop out at random."""
        if self.params.dropout_pool == "informed":
            return model.active & self.informed
        return model.active

    def member_kind(self, row: int) -> str:
        """'informed' (knows ĝ) or 'uninformed', as the event log names a dropped-out agent."""
        return "informed" if self.informed[row] else "uninformed"

    def goal_direction(self, model) -> np.ndarray | None:
        """ĝ, the informed agents' preferred direction, fixed per leg of the route (as taken)."""
        return self.behaviour.goal

    def reporters(self, model) -> dict[str, float]:
        """direction_error: angle (rad) between the mean heading and ĝ."""
        vel = model.vel[model.active_rows]
        goal = self.goal_direction(model)
        mean = vel.mean(axis=0) if len(vel) else np.zeros(2)
        if goal is None or not np.any(mean):
            return {"direction_error": math.nan}
        cos = float(np.dot(mean, goal) / np.hypot(*mean))
        return {"direction_error": math.acos(max(-1.0, min(1.0, cos)))}

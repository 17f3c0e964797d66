"""The interface every coordination mode implements (see `sim.modes` for the registry)."""

from __future__ import annotations

import math

import numpy as np

from sim.modes import MODES
from sim.sizes import DENSE_GRAPH_MAX_N

ARENA_PER_AGENT = 60.0  # m: the default arena's side grows as this × √n_agents


class Mode:
    """One way a group coordinates.

    The model calls `arena` before anything is placed, `place` once, then every step
    `velocities` (the active agents' new velocities, within max_speed and max_accel) and
    `advance` (mission progress), then `reporters`; `dropout_pool` when agents drop out at random,
    `goal_direction` for the heading reporters. Leader modes (`sim.modes.leader.LeaderMode`)
    add the hooks the leadership layer needs.
    """

    name = ""
    dense_max = DENSE_GRAPH_MAX_N  # see `sim.components.network.Network`

    def __init__(self, model) -> None:
        self.params = model.params
        self.info = MODES[self.name]

    @classmethod
    def arena(cls, params) -> tuple[float, bool]:
        """(side of the arena in m, whether its edges wrap) before any agent is placed."""
        size = params.arena_size or ARENA_PER_AGENT * math.sqrt(params.n_agents)
        return size, bool(params.torus)

    def place(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Initial positions and velocities (N, 2)."""
        raise NotImplementedError

    def velocities(self, model, act: np.ndarray) -> np.ndarray:
        """New velocities (k, 2) of the active rows `act`."""
        raise NotImplementedError

    def advance(self, model) -> None:
        """Mission progress after the agents moved: waypoints reached, success."""

    def reporters(self, model) -> dict[str, float]:
        """This mode's own reporters (the others are measured for every mode)."""
        return {}

    def neighbour_reach(self) -> float:
        """Radius of the neighbour pairs the mode's steering reuses from the network (m)."""
        return 0.0

    def contact_distance(self) -> float:
        """The usual distance between neighbours (m): collisions are looked for within it."""
        return self.params.repulsion_radius

    def waypoint_index(self, model) -> int:
        """The group's next waypoint."""
        return model.mission.group_index

    def slot_of(self, model) -> np.ndarray:
        """Each agent's slot in the main leader's formation: none (-1) outside formations."""
        return np.full(self.params.n_agents, -1, dtype=np.int64)

    def dropout_pool(self, model) -> np.ndarray:
        """Agents that random dropouts can hit (`dropout_pool`): every active agent."""
        return model.active

    def member_kind(self, row: int) -> str:
        """What agent `row` is in a group without a leader, as the event log names it."""
        return "member"

    def goal_direction(self, model) -> np.ndarray | None:
        """The direction the group should travel (unit (2,)), None where there is none.

        By default: from the group's centre toward the mission's next waypoint.
        """
        route, index = model.mission.route, model.waypoint_index
        if index >= len(route) or not model.active.any():
            return None
        d = route[index] - model.pos[model.active].mean(axis=0)
        norm = math.hypot(*d)
        return d / norm if norm > 0 else None

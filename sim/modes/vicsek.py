"""Vicsek: no leader and no goal — order out of "head the way your neighbours head" plus noise.

The alignment rule is in `sim.behaviours.vicsek` (Vicsek et al. 1995). As in the paper the arena
is a periodic box at density 4 unless set otherwise; there is no mission (it never succeeds).
"""

from __future__ import annotations

import math

import numpy as np

from sim.behaviours.vicsek import DEFAULT_DENSITY, VicsekBehaviour
from sim.modes.base import Mode


class Vicsek(Mode):
    """Spontaneous order: nobody leads, nobody knows a direction."""

    name = "vicsek"

    @classmethod
    def arena(cls, params) -> tuple[float, bool]:
        """The paper's periodic box at density 4, unless arena_size / torus say otherwise."""
        size = params.arena_size or math.sqrt(params.n_agents / DEFAULT_DENSITY)
        return size, params.torus is None or bool(params.torus)

    def place(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Uniform in the box, random headings, at the mode's speed."""
        pos, vel = VicsekBehaviour.place(model)
        self.behaviour = VicsekBehaviour(model)
        return pos, vel

    def velocities(self, model, act: np.ndarray) -> np.ndarray:
        """The alignment rule with noise (`VicsekBehaviour.velocities`)."""
        return self.behaviour.velocities(model)[act]

    def contact_distance(self) -> float:
        """Point particles: the typical nearest-neighbour distance at this density (m)."""
        size, _ = self.arena(self.params)
        return 0.5 * size / math.sqrt(self.params.n_agents)

    def waypoint_index(self, model) -> int:
        """No mission: always 0."""
        return 0

    def goal_direction(self, model) -> None:
        """No preferred direction: the common heading is chosen by nobody."""
        return None

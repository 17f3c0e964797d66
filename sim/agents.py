"""Thin Mesa agent handles over the model's numpy arrays.

The model keeps every agent's state in arrays (one row per agent); a `SwarmAgent` only knows its
row, so Mesa's AgentSet, `agent.remove()` and visualisation work without per-agent Python loops
in the step.
"""

from __future__ import annotations

import mesa
import numpy as np


class SwarmAgent(mesa.Agent):
    """One point agent; its state is read from the model's arrays."""

    row: int = -1

    @property
    def position(self) -> np.ndarray:
        """True position (m), a copy."""
        return self.model.pos[self.row].copy()

    @property
    def velocity(self) -> np.ndarray:
        """Velocity (m/step), a copy."""
        return self.model.vel[self.row].copy()

    @property
    def active(self) -> bool:
        """False once the agent has dropped out."""
        return bool(self.model.active[self.row])

    @property
    def is_leader(self) -> bool:
        """True for the agent the model currently treats as leader."""
        return self.model.leader == self.row

    def step(self) -> None:
        """Agents are moved together by the model's vectorised step; nothing per agent."""

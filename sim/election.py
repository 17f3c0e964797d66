"""Role replacement: choosing a new leader when the leader drops out.

This module holds the protocols behind `election`. Each protocol is a small class with
``step(model)`` (called once per step, after faults), ``on_dropout(model, row, was_leader)``
and ``can_recover(model)`` (False when a leaderless group can never get a leader again).
"""

from __future__ import annotations

import numpy as np


class NoElection:
    """Nobody replaces a lost leader: the contrast case."""

    name = "none"

    def __init__(self, model) -> None:
        pass

    def on_dropout(self, model, row: int, was_leader: bool) -> None:
        """Note a dropout (nothing to do)."""
        if not was_leader and model.leader >= 0:
            model.reassign_slots()

    def step(self, model) -> None:
        """Nothing happens."""

    def can_recover(self, model) -> bool:
        """A leaderless group stays leaderless."""
        return model.leader >= 0 or model.params.coordination in ("couzin", "vicsek")


class InstantLowestId(NoElection):
    """Oracle baseline: the lowest live id takes over in the same step, with no messages."""

    name = "lowest_id"

    def step(self, model) -> None:
        """Promote the lowest active row when there is no leader."""
        if model.leader < 0 and model.params.coordination in ("formation", "flock"):
            alive = np.flatnonzero(model.active)
            if len(alive):
                model.log("leader_lost_detected", int(alive[0]), "instant")
                model.log("election_started", int(alive[0]), self.name)
                model.elect_leader(int(alive[0]), f"{self.name}, instant")

    def can_recover(self, model) -> bool:
        """Any live agent can take over."""
        return bool(model.active.any())


PROTOCOLS = {"none": NoElection, "lowest_id": InstantLowestId}


def create(model):
    """The election protocol named by ``model.params.election``."""
    cls = PROTOCOLS.get(model.params.election, InstantLowestId)
    return cls(model)

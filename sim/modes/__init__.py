"""Coordination modes: how a group keeps together, and who — if anyone — leads it.

Each mode is one class behind one interface (`sim.modes.base.Mode`): where agents start, how
they move, what the mission is, which reporters are its own. This module is the registry: the
choices of `SwarmParams.coordination`, the UI's list and the docs are all read from `MODES`,
and it describes what each mode can do (`ModeInfo`) without importing the mode itself, so
`sim.params` can check parameters against it cheaply.

To add a mode: write a `Mode` subclass in a module of this package and register it below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ModeInfo:
    """What a mode is and can do, known without importing it."""

    path: str  # "module:Class" of its `Mode` subclass
    doc: str  # one line, for the parameter's help and the docs
    leader: bool  # an explicit leader, heartbeats, elections (the leadership layer)
    informed: bool = False  # some agents know a preferred direction (dropout_pool="informed")
    constant_speed: bool = False  # agents move at the mode's `speed`, which max_speed bounds


MODES: dict[str, ModeInfo] = {
    "formation": ModeInfo(
        "sim.modes.formation:Formation",
        "an explicit leader; followers hold slots of a shape (formation)",
        leader=True,
    ),
    "flock": ModeInfo(
        "sim.modes.flock:Flock",
        "agents keep together, match headings and follow the leader (boids, Reynolds 1987)",
        leader=True,
    ),
    "couzin": ModeInfo(
        "sim.modes.couzin:Couzin",
        "no leader: an informed minority steers the group (Couzin 2005)",
        leader=False,
        informed=True,
        constant_speed=True,
    ),
    "vicsek": ModeInfo(
        "sim.modes.vicsek:Vicsek",
        "no leader, no goal: each agent turns to its neighbours' heading, with random error "
        "(Vicsek 1995)",
        leader=False,
        constant_speed=True,
    ),
}


def load(name: str):
    """The `Mode` subclass registered as `name`."""
    module, cls = MODES[name].path.split(":")
    return getattr(importlib.import_module(module), cls)

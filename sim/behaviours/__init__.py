"""Coordination behaviours: how followers choose their velocity.

`formation` (explicit leader + slots) lives in the model itself; the others are looked up here
by name and loaded lazily, so `import sim.model` stays light.
"""

from __future__ import annotations

import importlib

# name -> "module:Class" of an adapter with __init__(model) and velocities(model) -> (N, 2)
COLLECTIVE = {
    "couzin": "sim.behaviours.couzin:CouzinBehaviour",
    "vicsek": "sim.behaviours.vicsek:VicsekBehaviour",
}


def load(name: str):
    """Return the adapter class registered for a collective coordination mode."""
    module, cls = COLLECTIVE[name].split(":")
    return getattr(importlib.import_module(module), cls)

"""Swarm coordination simulator: leader–follower swarms that keep going when agents drop out.

Public contract: ``from sim import SwarmModel, SwarmParams, PRESETS``.
"""

from importlib.metadata import PackageNotFoundError, version

from sim.model import SwarmModel
from sim.params import SwarmParams
from sim.presets import PRESETS

try:
    __version__ = version("swarm-sim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["PRESETS", "SwarmModel", "SwarmParams", "__version__"]

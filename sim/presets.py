"""Named presets: lessons that reproduce one phenomenon on a fixed seed.

Each preset carries parameter overrides, a seed, a title, a short lesson (what to watch, why it
happens, a question for students) and its claim in checkable form: ``check(model)`` is True on
that seed once the run has ended, and a test asserts it, so a lesson cannot silently stop
showing what it promises. The lessons live in `sim.lessons` (`leader`: formations and flocks that
replace a lost leader; `collective`: leaderless groups steered by an informed few); this module
is their one public index.
"""

from __future__ import annotations

from typing import Any

from sim.lessons.base import Preset
from sim.lessons.collective import COLLECTIVE_PRESETS
from sim.lessons.leader import LEADER_PRESETS

__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "resolve"]

DEFAULT_PRESET = "leader_handover"

PRESETS: dict[str, Preset] = {**LEADER_PRESETS, **COLLECTIVE_PRESETS}


def resolve(preset: str | None, params: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Merge a preset's overrides with explicit keywords; return (settings, preset seed).

    Raises:
        ValueError: for an unknown preset name, or a preset that is not a name (str) at all.
    """
    if preset is None or preset == "":
        return dict(params), None
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {preset!r}")
    chosen = PRESETS[preset]
    return {**chosen.overrides, **params}, chosen.seed

"""Presets are lessons: each one builds, runs, and still shows the phenomenon it promises."""

from __future__ import annotations

import pytest

from sim import PRESETS, SwarmModel
from sim.presets import DEFAULT_PRESET


def test_registry_is_complete():
    """Every preset has a title, lesson text, a claim and a seed; the default exists."""
    assert DEFAULT_PRESET in PRESETS
    for name, preset in PRESETS.items():
        assert preset.title and preset.watch and preset.why and preset.question, name
        assert preset.claim and isinstance(preset.seed, int), name


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_demonstrates_its_claim(name):
    """Running the preset on its seed makes its stated claim true."""
    preset = PRESETS[name]
    model = SwarmModel(preset=name)
    model.run(preset.steps)
    assert preset.check(model), f"{name}: {preset.claim}; summary={model.summary()}"


def test_every_preset_has_a_lesson_in_the_docs():
    """docs/lessons.md, the instructor's guide, has a section for every preset."""
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "lessons.md").read_text()
    missing = [name for name in PRESETS if f"(`{name}`)" not in doc]
    assert not missing, missing

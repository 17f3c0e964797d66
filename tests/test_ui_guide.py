"""Guided mode on the page without a browser: where Play pauses, the pick, the cards' text."""

from __future__ import annotations

import pytest

pytest.importorskip("solara")

from sim import PRESETS  # noqa: E402
from sim.presets import DEFAULT_PRESET  # noqa: E402
from sim.ui import guide as guide_ui  # noqa: E402
from sim.ui.session import Session  # noqa: E402
from sim.ui.state import _new_state  # noqa: E402


def stops(state) -> dict[int, str]:
    """Step the page's swarm as Play does; the steps where Play would pause, and why."""
    out = {}
    s = state.session
    while s.running:
        t_before, events_before = s.model.time, len(s.model.events)
        s.step()
        why = state._should_stop(t_before, events_before)
        if why:
            out[int(s.model.time)] = why
    return out


def lesson_page(name: str = DEFAULT_PRESET):
    state = _new_state(Session(name))
    return state, guide_ui.of(state)


def test_play_pauses_at_the_leaders_loss_and_when_the_answer_is_known():
    """Default lesson: a pause at the dropout's step, one when recovery is measured, no more."""
    state, g = lesson_page()
    model = state.session.model
    paused = stops(state)
    lost = next(e[0] for e in model.events if e[1] == "dropout")
    recovered = next(e[0] for e in model.events if e[1] == "recovered")
    assert list(paused) == [lost, recovered]
    assert "Make a prediction" in paused[lost]
    assert "answer is known" in paused[recovered]


def test_guided_off_never_pauses():
    """Unticking *guided* turns the pauses off (and the card with them)."""
    state, g = lesson_page()
    g.on.set(False)
    assert stops(state) == {}
    assert g.lesson() is None


def test_a_lesson_without_a_guide_never_pauses():
    """Lessons without a guide play as before."""
    name = next(n for n, p in PRESETS.items() if p.guide is None and not p.steps)
    state, g = lesson_page(name)
    assert g.lesson() is None
    assert stops(state) == {}


def test_the_pick_belongs_to_the_run():
    """A pick shows for this run; Reset or loading a lesson starts without one."""
    state, g = lesson_page()
    state.session.step(301)
    g.choose(1)
    assert g.chosen() == 1
    state.session.seek(150)  # the same run, earlier: the pick stays
    assert g.chosen() == 1
    state.reset()
    assert g.chosen() is None
    g.choose(2)
    state.session.load_preset("no_replacement")
    assert g.chosen() is None


def test_result_card_reports_the_run_and_the_claim():
    """At the end: the report's numbers, the pick judged right, the claim marked as held."""
    state, g = lesson_page()
    preset = PRESETS[DEFAULT_PRESET]
    state.session.step(301)
    g.choose(preset.guide.prediction.answer)
    stops(state)
    model = state.session.model
    text = guide_ui._result_html(g, preset, model)
    s = model.summary()
    assert f"recovered in {s['max_recovery_steps']} steps" in text
    assert f"leaderless for {s['leaderless_steps']} steps" in text
    assert "✓ Right." in text and "✓ held" in text


def test_a_wrong_pick_is_shown_as_wrong():
    """A pick other than what happened is marked, and what happened is named."""
    state, g = lesson_page("no_replacement")
    state.session.step(301)
    g.choose(0)
    stops(state)
    p = PRESETS["no_replacement"]
    text = guide_ui._result_html(g, p, state.session.model)
    assert "✗ The class picked A." in text
    assert p.guide.prediction.label(p.guide.prediction.answer) in text


def test_a_lesson_with_a_step_count_pauses_when_its_steps_are_done(monkeypatch):
    """A guided lesson that runs N steps pauses at N; its result card is due from then on."""
    from dataclasses import replace

    from sim.lessons.guide import finished

    short = replace(PRESETS[DEFAULT_PRESET], steps=320)
    monkeypatch.setitem(PRESETS, DEFAULT_PRESET, short)
    state, g = lesson_page()
    paused = stops(state)
    assert list(paused) == [300, 320]
    assert "steps are done" in paused[320]
    assert finished(short, state.session.model)

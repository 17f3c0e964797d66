"""Guided lessons: the key moment is found in the run, the right answer happens, reports measure."""

from __future__ import annotations

import math

import pytest

from sim import PRESETS, SwarmModel
from sim.lessons.guide import Prediction, finished, moment_time, reached, revealed
from sim.presets import DEFAULT_PRESET
from sim.ui.session import Session

GUIDED = [name for name, p in PRESETS.items() if p.guide is not None]


def run_lesson(model, preset) -> list[int | None]:
    """Step `model` until the lesson's run is over; the outcome known after each step."""
    known = []
    while not finished(preset, model):
        model.step()
        known.append(preset.guide.outcome(model))
    return known


def test_the_default_lesson_and_two_others_are_guided():
    """The default lesson has a guide, and at least two more leader lessons do."""
    assert DEFAULT_PRESET in GUIDED
    assert len(GUIDED) >= 3


@pytest.mark.parametrize("name", GUIDED)
def test_the_right_answer_happens_on_the_lessons_seed(name):
    """On the lesson's seed the measured outcome is the prediction's right answer.

    Not at the moment itself: the class predicts while the answer is still open.
    """
    preset = PRESETS[name]
    guide = preset.guide
    model = SwarmModel(preset=name)
    while moment_time(guide, model) is None:
        model.step()
    assert guide.outcome(model) is None, "the answer is already known when the class is asked"
    assert revealed(guide, model) is None
    run_lesson(model, preset)
    assert guide.outcome(model) == guide.prediction.answer, (
        f"{name}: the class is told {guide.prediction.label(guide.prediction.answer)!r}, "
        f"but {guide.prediction.label(guide.outcome(model))!r} happened; events={model.events}"
    )
    assert revealed(guide, model) == guide.prediction.answer
    assert preset.check(model), f"{name}: the claim fails where the guided run ends"


@pytest.mark.parametrize("name", GUIDED)
def test_the_moment_is_found_in_the_run(name):
    """The pause step is the moment's own step in this run, crossed once."""
    preset = PRESETS[name]
    guide = preset.guide
    model = SwarmModel(preset=name)
    crossed = []
    while not finished(preset, model):
        before = model.time
        model.step()
        if reached(guide, model, before):
            crossed.append(int(model.time))
    kind = [e for e in model.events if e[1] == guide.moment and guide.moment_detail in (None, e[3])]
    assert crossed == [kind[0][0]] == [moment_time(guide, model)]


def test_the_moment_follows_the_leaders_loss_not_a_followers():
    """A follower's dropout is not the moment; the leader's, wherever it falls, is."""
    guide = PRESETS[DEFAULT_PRESET].guide
    model = SwarmModel(preset=DEFAULT_PRESET, leader_dropout_at=220)
    model.run(100)
    model.drop_agent(5)
    model.step()
    assert moment_time(guide, model) is None
    model.run(150)
    assert moment_time(guide, model) == 220


@pytest.mark.parametrize(
    ("name", "changes"),
    [(n, {}) for n in GUIDED]
    + [
        (DEFAULT_PRESET, {"leader_dropout_at": 200, "election": "raft"}),
        ("no_replacement", {"leader_dropout_at": 150}),
    ],
)
def test_the_report_states_the_runs_own_measures(name, changes):
    """Loss step, recovery and leaderless steps in the report are the model's own measures."""
    preset = PRESETS[name]
    model = SwarmModel(preset=name, **changes)
    run_lesson(model, preset)
    text = preset.guide.report(model)
    s = model.summary()
    lost = next(e for e in model.events if e[1] == "dropout" and e[3] == "leader")
    assert f"dropped out at step {lost[0]}." in text
    assert f"leaderless for {s['leaderless_steps']} steps" in text
    if math.isfinite(s["max_recovery_steps"]):
        assert f"recovered in {s['max_recovery_steps']} steps" in text
        assert f"Mission complete at step {s['completion_time']}." in text
    else:
        failed = next(e for e in model.events if e[1] == "mission_failed")
        assert f"Mission failed at step {failed[0]}." in text


def test_lossy_report_counts_the_messages_that_got_through():
    """The lossy lesson's report gives the network's own sent and delivered counts."""
    preset = PRESETS["lossy_raft"]
    model = SwarmModel(preset="lossy_raft")
    run_lesson(model, preset)
    sent, delivered = model.network.counts()
    assert f"{delivered:,} of {sent:,} messages got through" in preset.guide.report(model)


def test_another_setting_gives_another_measured_answer():
    """The outcome is measured, not stored: the oracle makes the handover instant (choice A)."""
    preset = PRESETS[DEFAULT_PRESET]
    model = SwarmModel(preset=DEFAULT_PRESET, information="oracle")
    run_lesson(model, preset)
    assert preset.guide.outcome(model) == 0 != preset.guide.prediction.answer


@pytest.mark.parametrize(
    ("choices", "answer", "message"),
    [(("a", "b"), 0, "3 to 4 choices"), (("a", "b", "c"), 3, "answer must be")],
)
def test_a_malformed_prediction_is_refused(choices, answer, message):
    """Too few choices, or an answer that is not one of them, is a clear ValueError."""
    with pytest.raises(ValueError, match=message):
        Prediction("q?", choices, answer, "why")


def test_a_lessons_twin_check_runs_on_the_pages_live_swarm():
    """lossy_raft's claim (a lossless twin) can be checked on the UI's swarm, not only a model."""
    session = Session("lossy_raft")
    while session.running:
        session.step()
    assert PRESETS["lossy_raft"].check(session.model)


def test_the_instructors_guide_gives_each_prediction_and_its_answer():
    """docs/lessons.md states every guided lesson's question and its expected answer."""
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "lessons.md").read_text()
    for name in GUIDED:
        p = PRESETS[name].guide.prediction
        section = doc[doc.index(f"(`{name}`)") :]
        section = " ".join(section[: section.index("\n## ")].split())  # (lines wrap)
        assert f"**{p.question}**" in section, name
        assert f"**Expected: {p.label(p.answer)[0]}**" in section, name


def test_succession_report_compares_with_the_voting_run():
    """The succession card's vote figure is the recovery of the same run with lowest_id."""
    preset = PRESETS["succession_handover"]
    model = SwarmModel(preset="succession_handover")
    run_lesson(model, preset)
    voting = SwarmModel(preset="succession_handover", election="lowest_id")
    run_lesson(voting, preset)
    steps = voting.summary()["max_recovery_steps"]
    assert f"With the lowest_id vote instead (same seed) it took {steps} steps." in (
        preset.guide.report(model)
    )

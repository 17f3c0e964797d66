"""Guided lessons in a browser: Play pauses at the loss, the class predicts, a card reports."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(180)

LOST_AT = 300  # the default lesson's leader drops out here (its `leader_dropout_at`)


def notice(app, text: str, timeout: float = 60_000):
    """Wait for the line under the control bar that says why Play stopped."""
    app.page.locator(".swarm-notice", has_text=text).wait_for(timeout=timeout)


def test_guided_lesson_pauses_asks_and_reports(app):
    """Play stops at the loss with the prediction card; the pick is judged; the result card ends."""
    page = app.page
    app.click("Play")
    notice(app, f"paused at step {LOST_AT}")
    app.wait_t(lambda t: t == LOST_AT)
    card = page.locator(".swarm-guide-prediction")
    card.wait_for(timeout=10_000)
    assert "How long until the whole group follows a new leader?" in card.inner_text()
    choices = card.locator(".swarm-guide-choice")
    assert choices.count() == 4
    choices.nth(2).click()  # C: they fly on, notice the silence, then elect
    page.locator(".swarm-guide-prediction", has_text="The class picked C.").wait_for(timeout=10_000)

    app.click("Play")  # on to the step where the whole group follows the new leader
    notice(app, "the answer is known")
    page.locator(".swarm-guide-prediction", has_text="✓ Right.").wait_for(timeout=10_000)

    app.click("Play")  # to the mission's end
    result = page.locator(".swarm-guide-result")
    result.wait_for(timeout=90_000)
    text = result.inner_text()
    measured = re.search(r"recovered in (\d+) steps; leaderless for (\d+) steps", text)
    assert measured, text
    logged = re.search(r"all \d+ agents follow it, (\d+) steps after the loss", app.log_text())
    assert logged and logged.group(1) == measured.group(1)  # the run's own number, as logged
    assert "✓ Right." in text and "✓ held" in text

    app.click("Reset")
    result.wait_for(state="detached", timeout=10_000)
    assert page.locator(".swarm-guide").count() == 0
    assert app.errors == []


def test_guided_off_plays_through_the_moment(app):
    """With *guided* unticked, Play goes past the loss and no card appears."""
    app.unguided()
    app.play_to(LOST_AT + 20)
    assert app.page.locator(".swarm-guide").count() == 0


def overlaps(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("presenter", [False, True])
def test_the_card_stays_off_the_view_at_1280x720(projector_app, presenter):
    """At a projector's 1280×720 the card sits beside the view, never over it; presenter: large."""
    a = projector_app
    if presenter:
        a.click("Presenter")
    a.click("Play")
    notice(a, f"paused at step {LOST_AT}")
    card = a.page.locator(".swarm-guide-prediction")
    card.wait_for(timeout=10_000)
    a.page.wait_for_timeout(300)  # (the view makes room for the card in presenter mode)
    view = a.page.locator(".swarm-space canvas").bounding_box()
    box = card.bounding_box()
    assert not overlaps(view, box), (view, box)
    assert box["x"] + box["width"] <= 1280 and box["y"] < 720
    assert view["width"] >= 440  # still a usable view beside the card
    size = card.locator(".swarm-guide-body").first.evaluate(
        "(el) => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= (16 if presenter else 14)

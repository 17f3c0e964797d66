"""The timeline in a real browser: drag back to an earlier step, jump to an event, play on."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.timeout(150)

SLIDER = "Timeline: the step shown (drag back to an earlier step)"


def status_line(app) -> str:
    """The first status line (t, active agents, leader, waypoints, outcome)."""
    return app.page.locator(".swarm-status").inner_text().splitlines()[0]


def play_until(app, step: int) -> None:
    """Play and let 'pause at step' stop it at `step`, the status line there too."""
    app.play_to(step)
    app.wait_for(lambda: status_line(app).startswith(f"t={step} "), f"status at {step}")


def shown(app) -> dict:
    """What the page shows: the canvas's step and leader, status line, charts' last step, log."""
    space = app.page.locator(".swarm-space").first
    return {
        "t": int(space.get_attribute("data-t")),
        "leader": space.get_attribute("data-leader"),
        "status": status_line(app),
        "charts": app.page.locator(".swarm-charts").get_attribute("data-t"),
        "log": app.log_text(),
    }


def settled(app, step: int) -> dict:
    """Wait until canvas, status, charts and slider all show `step`; return what is shown."""

    def check():
        s = shown(app)
        line = app.page.locator(".swarm-timeline").get_attribute("data-t")
        ok = s["t"] == step and s["status"].startswith(f"t={step} ") and s["charts"] == str(step)
        return s if ok and line == str(step) else None

    return app.wait_for(check, f"the page showing step {step}")


def thumb_x(app, step: int) -> tuple[float, float]:
    """Page coordinates of the slider's thumb at `step` (a 16 px thumb: 8 px in at each end)."""
    box = app.page.get_by_role("slider", name=SLIDER).bounding_box()
    latest = int(app.page.locator(".swarm-timeline").get_attribute("data-latest"))
    return box["x"] + 8 + (box["width"] - 16) * step / latest, box["y"] + box["height"] / 2


def drag(app, start: int, to: int) -> int:
    """Drag the thumb with the mouse from step `start` to about step `to`; return the value."""
    mouse = app.page.mouse
    mouse.move(*thumb_x(app, start))
    mouse.down()
    x, y = thumb_x(app, to)
    mouse.move(x, y, steps=12)
    mouse.up()
    return int(app.page.get_by_role("slider", name=SLIDER).input_value())


def test_drag_back_then_play_on_reaches_the_same_later_state(app):
    """Drag back past a leader loss, jump to it, and Play on: the same run as the first time.

    View, status, charts and log show the step dragged to; Play on from the leader-lost mark
    reaches the same later state (the same leader at the same step) as before.
    """
    play_until(app, 12)
    app.click("Drop leader")
    app.wait_for(lambda: "leader none" in status_line(app), "the leader dropping out")
    at_12 = settled(app, 12)
    play_until(app, 60)
    at_60 = settled(app, 60)
    assert at_60["leader"] not in ("-1", "1")  # a new leader took over
    assert "elected leader" in at_60["log"]

    back = drag(app, 60, 0)  # all the way back to the start: the mouse, as a user drags
    assert back == 0
    at_0 = settled(app, 0)
    assert at_0["leader"] == "1" and "active 10/10" in at_0["status"]
    assert "dropped out" not in at_0["log"]  # the log stops at that step
    middle = drag(app, 0, 30)
    assert 25 <= middle <= 35
    s = settled(app, middle)
    assert all(int(line.split()[0][2:]) <= middle for line in s["log"].splitlines() if "t=" in line)

    app.page.locator(".swarm-mark[data-kind=lost]").click()  # the leader-lost mark: step 12
    assert settled(app, 12) == at_12
    assert app.page.get_by_role("button", name="Play", exact=True).is_enabled()
    app.click("Play")  # 'pause at step 60' is still set
    app.page.locator(".swarm-notice", has_text="paused at step 60").wait_for(timeout=30_000)
    assert settled(app, 60) == at_60
    assert app.errors == []


def test_keyboard_moves_the_timeline_and_marks_are_buttons(app):
    """The slider is named and takes Home / End / arrows; a mark is reached with Tab + Enter."""
    play_until(app, 12)
    app.click("Drop leader")
    app.wait_for(lambda: "leader none" in status_line(app), "the leader dropping out")
    play_until(app, 45)
    slider = app.page.get_by_role("slider", name=SLIDER)
    slider.focus()
    slider.press("Home")
    settled(app, 0)
    for _ in range(3):
        slider.press("ArrowRight")
    settled(app, 3)
    slider.press("End")
    settled(app, 45)
    mark = app.page.get_by_role("button", name="Jump to step 12: leader lost: agent 1")
    mark.focus()
    mark.press("Enter")
    assert "leader none" in settled(app, 12)["status"]
    assert app.errors == []


def test_dragging_during_play_pauses_first(app):
    """Moving the timeline while Play runs pauses it; the view stays at the step chosen."""
    app.click("Play")
    app.wait_t(lambda t: t >= 40, timeout=20)
    slider = app.page.get_by_role("slider", name=SLIDER)
    slider.focus()
    slider.press("Home")
    settled(app, 0)
    time.sleep(0.8)
    assert shown(app)["t"] == 0 and status_line(app).startswith("t=0 ")
    assert app.page.get_by_role("button", name="Play", exact=True).is_enabled()
    assert app.errors == []


def test_compare_mode_moves_both_swarms(app):
    """In compare mode both swarms go back to the step together."""
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    for _ in range(4):
        app.click("Step")
    app.wait_t(lambda t: t == 4, index=1)
    slider = app.page.get_by_role("slider", name=SLIDER)
    slider.focus()
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")
    app.wait_t(lambda t: t == 2, index=0)
    app.wait_t(lambda t: t == 2, index=1)
    app.wait_for(lambda: "B: t=2 " in app.page.locator(".swarm-status").inner_text(), "B at 2")
    assert app.errors == []

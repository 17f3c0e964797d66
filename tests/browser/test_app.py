"""The UI in a real browser: a `solara run` server driven by Playwright and Debian's Chromium."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

pytestmark = pytest.mark.timeout(120)


def status(app) -> str:
    return app.page.locator(".swarm-status").inner_text()


def wait_status(app, text: str, timeout: float = 10.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = status(app)
        if text in s:
            return s
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the status: {status(app)!r}")


def mesa_time(app) -> str:
    """The time shown in SolaraViz's Information card."""
    return app.page.get_by_text("Time:").first.inner_text()


def test_page_loads_without_js_errors(app):
    """Lesson, canvas, Mesa's controls and ours are shown: no JS errors, no missing file."""
    assert app.painted_t() == 0
    assert "The leader drops out" in app.page.locator(".swarm-lesson").inner_text()
    for name in ("Step", "Reset", "▶", "Play", "Pause", "Drop leader", "Jam communications"):
        assert app.page.get_by_role("button", name=name, exact=True).count() == 1
    assert app.page.get_by_text("Smooth play", exact=True).is_visible()
    assert not app.page.get_by_text("Model Parameters", exact=True).is_visible()  # empty: hidden
    assert mesa_time(app) == "Time: 0.0"
    assert app.errors == []
    assert app.failed == []  # every front-end file is served locally (works offline)


def test_step_advances_time(app):
    """Each click on Mesa's Step paints the next step; Mesa's time display agrees."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Step")
    assert app.wait_t(lambda t: t == 2) == 2
    wait_status(app, "t=2 ")
    assert mesa_time(app) == "Time: 2.0"


def test_mesa_reset_uses_our_seed(app):
    """Mesa's Reset rebuilds the swarm from our seed field: the positions a fresh model has."""
    from sim.model import SwarmModel
    from sim.presets import DEFAULT_PRESET, PRESETS
    from sim.ui import frames

    box = app.page.get_by_label("Seed (empty = random; applies on Reset)")
    box.fill("7")
    box.press("Enter")
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Reset")
    app.wait_t(lambda t: t == 0)
    shown = app.page.evaluate("document.querySelector('.swarm-space').swarm.current.xy")
    expected = SwarmModel(rng=7, **PRESETS[DEFAULT_PRESET].overrides)
    assert shown == frames.space_frame(expected, 0)["xy"]
    assert mesa_time(app) == "Time: 0.0"


def wait_still(app, timeout: float = 8.0) -> int:
    """Wait until the painted step stops changing (0.5 s apart); return it."""
    deadline = time.monotonic() + timeout
    last = app.painted_t()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = app.painted_t()
        if now == last:
            return now
        last = now
    raise AssertionError(f"the view kept moving after pause (t={last})")


def test_mesa_play_and_smooth_play_take_turns(app):
    """Mesa's ▶ plays and our views follow; our Play gives way while it runs; ❚❚ stops it."""
    app.click("▶")
    t = app.wait_t(lambda t: t >= 5)
    wait_status(app, f"t={t + 2} ")  # charts, log and status follow each of Mesa's steps
    app.click("Play")  # only one driver at a time: ours pauses, with a note why
    app.page.locator(".swarm-error", has_text="Mesa's controls").wait_for()
    assert app.page.get_by_role("button", name="Play", exact=True).is_enabled()
    app.click("❚❚")
    stopped = wait_still(app)  # Mesa's thread may finish a step already under way
    time.sleep(0.4)
    assert app.painted_t() == stopped
    app.click("Play")  # now ours runs
    app.wait_t(lambda t: t > stopped + 10)
    app.click("Pause")
    assert "Too many renders" not in app.page.content()
    assert app.errors == []


def test_mesa_reset_during_smooth_play(app):
    """Mesa's Reset while our Play runs pauses it and shows the rebuilt swarm at t=0."""
    app.click("Play")
    app.wait_t(lambda t: t >= 10)
    app.click("Reset")
    app.wait_t(lambda t: t == 0)
    time.sleep(0.4)
    assert app.painted_t() == 0
    assert app.page.get_by_role("button", name="Play", exact=True).is_enabled()
    wait_status(app, "t=0 ")


def test_play_pause_play_quickly_never_breaks(app):
    """Smooth Play runs, Pause stops; rapid Play/Pause/Play leaves a working page, no errors."""
    app.click("Play")
    t = app.wait_t(lambda t: t >= 20)
    app.click("Pause")
    time.sleep(0.4)
    stopped = app.painted_t()
    time.sleep(0.4)
    assert app.painted_t() == stopped >= t
    for _ in range(3):
        app.click("Play")
        time.sleep(0.15)
        app.click("Pause")
    app.click("Play")
    app.wait_t(lambda t: t > stopped + 10)
    app.click("Pause")
    assert "Too many renders" not in app.page.content()
    assert app.errors == []


def wait_log(app, text: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in app.log_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the event log: {app.log_text()!r}")


def test_drop_leader_elects_new_leader(app):
    """'Drop leader' logs the dropout; Play leads to a new leader in the log and the view."""
    app.click("Play")  # run past the first heartbeats, so the followers can notice the loss
    app.wait_t(lambda t: t >= 10)
    app.click("Pause")
    app.click("Drop leader")
    wait_status(app, "leader none")
    assert "agent 1 (leader) dropped out" in app.log_text()
    app.click("Play")
    wait_status(app, "leader agent", timeout=15)
    app.click("Pause")
    wait_log(app, "elected leader")  # the log view may refresh a frame after the status line
    assert "leader agent 1 " not in status(app)
    space = app.page.locator(".swarm-space").first
    end = time.monotonic() + 10
    while int(space.get_attribute("data-leader")) <= 1 and time.monotonic() < end:
        time.sleep(0.05)  # the canvas is repainted from the last frame the server sent
    assert int(space.get_attribute("data-leader")) > 1  # the canvas draws the new leader


def test_fault_buttons_reach_the_model(app):
    """'Jam communications', 'Lose positioning' and 'Drop random agent' show in log and view."""
    app.click("Jam communications")
    app.click("Lose positioning")
    app.click("Drop random agent")
    wait_status(app, "active 9/10")
    text = app.log_text()
    assert "jammed" in text and "positioning" in text and "dropped out" in text
    assert app.errors == []


def test_slider_change_and_reset_rebuild_model(app):
    """Moving a parameter slider then Mesa's Reset rebuilds the model with the new value."""
    slider = app.page.locator(".v-input", has_text="cruise_fraction").locator(".v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    app.page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Reset")
    app.wait_t(lambda t: t == 0)
    assert "cruise_fraction=0.9" in wait_status(app, "cruise_fraction=")


def test_text_parameter_and_bad_input(app):
    """A typed n_agents applies on Reset; a bad value shows an inline message, page stays up."""
    box = app.page.get_by_label("n_agents", exact=True)
    box.fill("25")
    box.press("Enter")
    app.click("Reset")
    wait_status(app, "active 25/25")
    box.fill("-3")
    box.press("Enter")
    err = app.page.locator(".swarm-error")
    err.wait_for()
    assert "n_agents" in err.inner_text()
    app.click("Step")
    app.wait_t(lambda t: t == 1)


def test_lesson_sets_parameters(app):
    """Choosing a lesson loads its parameters and shows its text."""
    app.page.locator(".v-select", has_text="Lesson").click()
    app.page.get_by_role("option", name="Nobody takes over: the mission fails").click()
    wait_status(app, "election=none")
    assert "Nobody takes over" in app.page.locator(".swarm-lesson").inner_text()


def test_click_on_space_adds_waypoint(app):
    """Clicking empty space appends a waypoint to the route."""
    assert "waypoints 0/4" in status(app)
    canvas = app.page.locator(".swarm-space canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    wait_status(app, "waypoints 0/5")
    assert "waypoint added" in app.log_text()


def test_compare_mode_shows_two_swarms(app):
    """Compare mode draws two swarms, same seed, stepped together."""
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    app.click("Step")
    app.wait_t(lambda t: t == 1, index=0)
    app.wait_t(lambda t: t == 1, index=1)
    wait_status(app, "t=1 ")
    assert status(app).count("t=1 ") == 2


def test_exports_are_valid_files(app):
    """PNG, GIF and CSV downloads are valid files."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    for label, fmt in (("PNG", "PNG"), ("GIF", "GIF")):
        with app.page.expect_download() as info:
            app.click(label)
        img = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
        assert img.format == fmt
    with app.page.expect_download() as info:
        app.click("CSV")
    lines = open(info.value.path()).read().splitlines()
    assert lines[0].startswith("time,") and len(lines) == 3


def test_two_sessions_are_independent(app, another_app):
    """Stepping in one browser session leaves another session's swarm untouched."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Step")
    app.wait_t(lambda t: t == 2)
    time.sleep(0.3)
    assert another_app.painted_t() == 0
    assert "t=0 " in status(another_app)

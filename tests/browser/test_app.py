"""The UI in a real browser: a `solara run` server driven by Playwright and Debian's Chromium."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from sim.bench.ui import RECORD_PAINTS  # records every step the canvas paints
from sim.presets import DEFAULT_PRESET, PRESETS

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


def test_page_loads_without_js_errors(app):
    """Lesson, canvas and one control bar are shown: no JS errors, no missing file."""
    assert app.painted_t() == 0
    assert "The leader drops out" in app.page.locator(".swarm-lesson").inner_text()
    for name in ("Step", "Reset", "Play", "Pause", "Drop leader", "Jam communications"):
        assert app.page.get_by_role("button", name=name, exact=True).count() == 1
    assert app.page.get_by_role("button", name="▶", exact=True).count() == 0  # no second Play
    assert app.page.get_by_role("img", name="Swarm space view").count() == 1
    assert app.errors == []
    assert app.failed == []  # every front-end file is served locally (works offline)


def test_step_advances_time(app):
    """Each click on Step paints the next step; the status line agrees."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Step")
    assert app.wait_t(lambda t: t == 2) == 2
    wait_status(app, "t=2 ")


def test_reset_uses_our_seed(app):
    """Reset rebuilds the swarm from the seed field: the positions a fresh model has."""
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
    shown = app.page.evaluate("Array.from(document.querySelector('.swarm-space').swarm.current.xy)")
    expected = SwarmModel(rng=7, **PRESETS[DEFAULT_PRESET].overrides)
    frame = frames.space_frame(expected, 0)
    assert shown == frames.unpack(frame["xy"], f"<i{frame['xyb']}")


def test_negative_seed_then_reset_keeps_the_page(app):
    """A negative seed then Reset keeps the page (it used to become a traceback).

    An inline message names the seed, Reset uses the last good one, and the page keeps working.
    """
    box = app.page.get_by_label("Seed (empty = random; applies on Reset)")
    box.fill("-5")
    box.press("Enter")
    err = app.page.locator(".v-input", has=box).locator(".v-messages", has_text="seed")
    err.wait_for()
    app.click("Reset")
    app.page.locator(".swarm-notice", has_text="seed = 1").wait_for()  # the lesson's seed
    app.wait_t(lambda t: t == 0)
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    assert "Traceback" not in app.page.locator("body").inner_text()
    assert app.errors == []


def test_sidebar_keeps_its_width_and_lesson_titles_wrap(app):
    """Defect: long lesson titles widened the sidebar (453-580 px) over the view. Fixed width."""
    drawer = app.page.locator(".v-navigation-drawer").first
    widths = [drawer.bounding_box()["width"]]
    for title in ("No single point of failure", "The chain breaks"):  # the longest titles
        app.page.locator(".swarm-lesson-menu").click()
        app.page.locator(".swarm-lesson-item", has_text=title).first.click()
        app.page.locator(".swarm-lesson-menu", has_text=title).wait_for()
        widths.append(drawer.bounding_box()["width"])
    assert max(widths) <= 330 and min(widths) >= 300
    menu = app.page.locator(".swarm-lesson-menu").bounding_box()
    assert menu["x"] + menu["width"] <= widths[-1] + 1  # the title wraps inside the sidebar


def test_choosing_the_current_lesson_again_reloads_it(app):
    """Defect: re-choosing the lesson already shown did nothing. It now starts it again."""
    app.click("Step")
    app.click("Step")
    app.wait_t(lambda t: t == 2)
    title = app.page.locator(".swarm-lesson-menu").inner_text().strip()
    app.page.locator(".swarm-lesson-menu").click()
    app.page.locator(".swarm-lesson-item").filter(has_text=title).first.click()
    app.wait_t(lambda t: t == 0)
    wait_status(app, "t=0 ")


def test_pause_at_step_and_at_the_next_event(app):
    """Play stops by itself at the step typed, and at the next event when asked to."""
    box = app.page.get_by_label("pause at step")
    box.fill("15")
    box.press("Enter")
    app.click("Play")
    app.page.locator(".swarm-notice", has_text="paused at step 15").wait_for(timeout=15_000)
    wait_status(app, "t=15 ")
    assert app.wait_t(lambda t: t == 15) == 15
    assert app.page.get_by_role("button", name="Play", exact=True).is_enabled()
    app.page.get_by_text("pause at the next event", exact=True).click()
    app.click("Drop leader")
    app.page.locator(".swarm-notice").wait_for(state="detached")  # an action clears the notice
    app.click("Play")  # the next event is the followers noticing the silence
    note = app.page.locator(".swarm-notice", has_text="paused at step")
    note.wait_for(timeout=15_000)
    assert "leader lost detected" in note.inner_text()  # (not "dropped out": that came before)
    stopped = int(note.inner_text().split("paused at step ")[1].split(":")[0])
    assert 15 < stopped < 40
    assert app.wait_t(lambda t: t == stopped) == stopped


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


def test_play_and_step_stop_when_the_mission_is_over(app):
    """After the run ends Play and Step are disabled (Step no longer advances time)."""
    box = app.page.get_by_label("Time limit (steps)", exact=True)
    box.fill("12")
    box.press("Enter")
    app.click("Reset")
    app.click("Play")
    wait_status(app, "t=12 ")
    app.page.get_by_text("mission over", exact=False).wait_for()
    for name in ("Play", "Step"):
        assert app.page.get_by_role("button", name=name, exact=True).is_disabled()
    time.sleep(0.5)
    assert app.painted_t() == 12


PAUSE_NOW = """() => {
  const t = +document.querySelector('.swarm-space').dataset.t;
  const pause = [...document.querySelectorAll('button')]
    .find((b) => b.innerText.trim().toUpperCase() === 'PAUSE');
  pause.click();
  return t;
}"""


@pytest.mark.parametrize("speed", ["max", "3 steps/s"])
def test_pause_stops_within_one_step(app, speed):
    """Pause freezes the view within one step of the screen, at full and at a chosen speed.

    (It used to run on for 7-13 steps.) At full speed no step is in flight for a small swarm:
    the canvas paints each step as it arrives.
    """
    if speed != "max":
        app.page.locator(".v-select", has_text="Speed").click()
        app.page.get_by_role("option", name=speed).click()
    app.click("Play")
    app.wait_t(lambda t: t >= (30 if speed == "max" else 4))
    shown = app.page.evaluate(PAUSE_NOW)
    stopped = wait_still(app)
    assert shown <= stopped <= shown + 1
    wait_status(app, f"t={stopped} ")  # the model stopped there too, not only the view


def test_reset_during_play(app):
    """Reset while Play runs pauses it and shows the rebuilt swarm at t=0."""
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
    app.unguided()  # (guided, Play would pause by itself once the new leader is known)
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
    """Moving a parameter slider then Reset rebuilds the model with the new value."""
    slider = app.page.locator(".swarm-param", has_text="cruise_fraction").locator(".v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    app.page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Reset")
    app.wait_t(lambda t: t == 0)
    shown = wait_status(app, "cruise_fraction=").split("cruise_fraction=")[1]
    assert 0.85 <= float(shown.split(",")[0].split()[0]) <= 1.0  # 90 % along the slider


def test_text_parameter_and_bad_input(app):
    """A typed n_agents applies on Reset; a bad one is refused at the field.

    The message is next to the field, the field keeps the text and is marked, and Reset says
    it used the last good value.
    """
    box = app.page.get_by_label("Number of agents", exact=True)
    box.fill("25")
    box.press("Enter")
    app.click("Reset")
    wait_status(app, "active 25/25")
    box.fill("-3")
    box.press("Enter")
    field = app.page.locator(".v-input", has=box)
    field.locator(".v-messages", has_text="n_agents").wait_for()
    assert "error--text" in field.get_attribute("class")
    assert box.input_value() == "-3"
    assert app.page.locator(".swarm-error").count() == 0  # not at the top, out of view
    app.click("Reset")
    note = app.page.locator(".swarm-notice", has_text="last good value")
    note.wait_for()
    assert "n_agents = 25" in note.inner_text()
    wait_status(app, "active 25/25")
    assert box.input_value() == "-3"  # still shown, still marked
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    box.fill("12")
    box.press("Enter")
    field.locator(".v-messages", has_text="n_agents").wait_for(state="detached")


def test_lesson_sets_parameters(app):
    """Choosing a lesson loads its parameters and shows its text."""
    app.page.locator(".swarm-lesson-menu").click()
    app.page.locator(".swarm-lesson-item", has_text="Nobody takes over: the mission fails").click()
    wait_status(app, "election=none")
    assert "Nobody takes over" in app.page.locator(".swarm-lesson").inner_text()


def test_click_on_space_adds_waypoint_inside_the_arena_only(app):
    """Clicking empty space appends a waypoint; a click outside the arena is refused."""
    assert "waypoints 0/4" in status(app)
    app.page.get_by_text("follow swarm", exact=True).click()  # the whole arena in view
    canvas = app.page.locator(".swarm-space canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": 3, "y": 3})  # the margin around the arena
    app.page.locator(".swarm-error", has_text="inside the arena").wait_for()
    assert "waypoints 0/4" in status(app)
    canvas.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    wait_status(app, "waypoints 0/5")
    assert "waypoint added" in app.log_text()


def test_follow_swarm_is_on_and_labels_are_readable(app):
    """The view follows the swarm by default; its labels are at least 14 px."""
    assert app.page.get_by_label("follow swarm").is_checked()
    font = app.page.evaluate(
        "(() => { const c = document.querySelector('.swarm-space canvas');"
        " return c.getContext('2d').font; })()"
    )
    px = float(font.split("px")[0].split()[-1])
    dpr = app.page.evaluate("window.devicePixelRatio")
    assert px / dpr >= 14


def test_keyboard_space_right_arrow_and_r(app):
    """Space plays and pauses, the right arrow steps, r resets (not while typing)."""
    app.page.locator("body").click(position={"x": 5, "y": 700})
    app.page.keyboard.press("ArrowRight")
    app.wait_t(lambda t: t == 1)
    app.page.keyboard.press(" ")
    app.wait_t(lambda t: t >= 10)
    app.page.keyboard.press(" ")
    stopped = wait_still(app)
    app.page.keyboard.press("r")
    app.wait_t(lambda t: t == 0)
    assert stopped >= 10
    seed = app.page.get_by_label("Seed (empty = random; applies on Reset)")
    seed.click()
    seed.press("ArrowRight")  # typing in a field moves the caret, not the swarm
    time.sleep(0.3)
    assert app.painted_t() == 0


def test_compare_mode_shows_two_swarms(app):
    """Compare mode draws two swarms, same seed, stepped together.

    The setting to compare is offered by its plain label and field name.
    """
    from sim.params import specs

    label = specs()["election"]["label"]
    assert app.page.get_by_text(f"{label} · election", exact=True).count() == 1
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    app.click("Step")
    app.wait_t(lambda t: t == 1, index=0)
    app.wait_t(lambda t: t == 1, index=1)
    wait_status(app, "t=1 ")
    assert status(app).count("t=1 ") == 2


def canvas_pixel(app, selector: str, x: int, y: int) -> list[int]:
    """RGB of one device pixel of the first canvas under `selector`."""
    return app.page.evaluate(
        f"Array.from(document.querySelector('{selector} canvas').getContext('2d')"
        f".getImageData({x}, {y}, 1, 1).data).slice(0, 3)"
    )


def has_colour(img, rgb, tol: int = 40) -> bool:
    """Whether some pixel of `img` is within `tol` of `rgb` on every channel."""
    px = np.asarray(img.convert("RGB"), dtype=int)
    return bool(np.any(np.all(np.abs(px - np.array(rgb)) <= tol, axis=-1)))


def test_exports_are_drawn_by_the_screen_renderer(app):
    """PNG = the canvas as shown (same size, leader orange, follower blue); GIF = recent steps.

    (The exports used to be drawn by a second renderer: circles instead of heading triangles,
    no numbered waypoints, no leader label; in compare mode swarm A only.)
    """
    for _ in range(6):
        app.click("Step")
    app.wait_t(lambda t: t == 6)
    # a paused step's messages travel along the links for a moment; compare the settled picture
    app.page.wait_for_function(
        "(() => { const vm = document.querySelector('.swarm-space').swarm;"
        " return vm && vm.current && (!vm.current.pl || vm.pulsesDone); })()"
    )
    app.page.wait_for_timeout(100)  # the frame that drew the pulses' end is on the canvas
    size = app.page.evaluate(
        "(() => { const c = document.querySelector('.swarm-space canvas');"
        " return [c.width, c.height]; })()"
    )
    with app.page.expect_download() as info:
        app.click("PNG")
    run = f"swarm_{DEFAULT_PRESET.replace('_', '-')}_seed{PRESETS[DEFAULT_PRESET].seed}"
    assert info.value.suggested_filename == f"{run}_step6.png"  # (it was swarm.png)
    png = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    assert png.format == "PNG" and list(png.size) == size
    assert has_colour(png, (232, 89, 12), 10) and has_colour(png, (47, 109, 181), 10)
    shown = app.page.evaluate(
        "(() => { const c = document.querySelector('.swarm-space canvas');"
        " return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); })()"
    )
    assert list(png.convert("RGBA").tobytes()) == shown  # exactly what the screen shows
    with app.page.expect_download() as info:
        app.click("GIF")
    assert info.value.suggested_filename == f"{run}_steps0-6.gif"
    gif = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    assert gif.format == "GIF" and gif.n_frames == 4  # steps 0-6, every second one, ending at 6
    gif.seek(gif.n_frames - 1)
    assert has_colour(gif, (232, 89, 12)) and has_colour(gif, (47, 109, 181))
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    app.wait_t(lambda t: t == 0, index=1)
    widths = app.page.evaluate(
        "[...document.querySelectorAll('.swarm-space canvas')].map((c) => c.width)"
    )
    with app.page.expect_download() as info:
        app.click("PNG")
    both = Image.open(io.BytesIO(open(info.value.path(), "rb").read()))
    assert both.size[0] == sum(widths) + 8  # both swarms, side by side
    with app.page.expect_download() as info:
        app.click("CSV")
    assert info.value.suggested_filename == f"{run}_vs-election-none.csv"
    lines = open(info.value.path()).read().splitlines()
    assert lines[0].startswith("swarm,Step,")
    assert app.errors == []


def test_presenter_mode_fills_the_page_and_tells_the_story(projector_app):
    """Presenter mode: the view takes the main area; banners say leader lost, noticed, elected.

    At 1280×720 the view was 343 px with the sidebar, charts and log beside it.
    """
    a = projector_app
    box = a.page.get_by_label("pause at step")
    box.fill("330")
    box.press("Enter")
    a.click("Presenter")
    a.page.wait_for_function(
        "document.querySelector('nav.v-navigation-drawer').getBoundingClientRect().width === 0"
        " || getComputedStyle(document.querySelector('nav.v-navigation-drawer')).display"
        " === 'none'"
    )
    a.page.wait_for_function(
        "document.querySelector('.swarm-space canvas').getBoundingClientRect().width > 1200"
    )
    view = a.page.locator(".swarm-space canvas").bounding_box()
    assert view["width"] >= 1200 and view["height"] >= 450
    assert view["y"] + view["height"] <= 720  # all of it on screen
    assert not a.page.locator(".swarm-charts").is_visible()
    a.click("Play")
    seen = set()
    end = time.monotonic() + 60
    while a.painted_t() < 330 and time.monotonic() < end:
        a.continue_guided()  # (the lesson's guided pause at the loss)
        seen.add(a.page.locator(".swarm-space").get_attribute("data-banners") or "")
        time.sleep(0.02)
    seen.add(a.page.locator(".swarm-space").get_attribute("data-banners") or "")  # at 330
    story = " | ".join(seen)
    for words in ("Leader lost: agent 1", "Noticed:", "New leader: agent 2"):
        assert words in story, story
    # let Play's thread finish its last render first: a click landing in it was applied to
    # the page's style but not to the control bar once in ~15 runs (noted for a fix)
    a.page.locator(".swarm-notice", has_text="paused at step 330").wait_for()
    a.page.wait_for_function(
        "[...document.querySelectorAll('button')].some((b) => b.innerText.trim() === 'PLAY'"
        " && !b.disabled)"
    )
    a.click("Exit presenter")
    a.page.locator(".swarm-charts").wait_for()
    assert a.page.locator(".swarm-space").get_attribute("data-banners") == ""
    assert a.errors == []


def test_dark_mode_darkens_the_canvases(app):
    """The dark toggle turns the page, the space view and the charts dark (they stayed white)."""
    assert sum(canvas_pixel(app, ".swarm-space", 2, 2)) > 600  # light
    app.page.get_by_text("dark", exact=True).click()
    app.page.wait_for_function("document.querySelector('.swarm-space').dataset.dark === '1'")
    app.page.wait_for_function("document.querySelector('.swarm-charts').dataset.dark === '1'")
    assert sum(canvas_pixel(app, ".swarm-space", 2, 2)) < 150
    assert sum(canvas_pixel(app, ".swarm-charts", 2, 2)) < 150
    app.page.get_by_text("dark", exact=True).click()
    app.page.wait_for_function("document.querySelector('.swarm-space').dataset.dark === '0'")
    assert sum(canvas_pixel(app, ".swarm-space", 2, 2)) > 600


def test_two_sessions_are_independent(app, another_app):
    """Stepping in one browser session leaves another session's swarm untouched."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.click("Step")
    app.wait_t(lambda t: t == 2)
    time.sleep(0.3)
    assert another_app.painted_t() == 0
    assert "t=0 " in status(another_app)


def test_views_are_large_at_a_projectors_1280x720(projector_app):
    """At 1280×720 the view is at least 450 px and fits the window.

    Compare mode's two views share the main width (they were 190 px).
    """
    a = projector_app
    box = a.page.locator(".swarm-space canvas").bounding_box()
    assert min(box["width"], box["height"]) >= 450
    assert box["y"] + box["height"] <= 720  # nothing to scroll to see it all
    a.click("Compare")
    a.page.locator(".swarm-space").nth(1).wait_for()
    a.wait_t(lambda t: t == 0, index=1)
    sides = [a.page.locator(".swarm-space canvas").nth(i).bounding_box() for i in (0, 1)]
    assert all(b["width"] >= 400 for b in sides)
    assert sides[0]["x"] + sides[0]["width"] <= sides[1]["x"]  # side by side, no overlap
    assert a.errors == []


def test_charts_are_sharp_and_marks_differ_by_more_than_hue(app):
    """The charts canvas has one pixel per device pixel, and marks differ by shape and dash.

    (It was stretched and blurry before the first step; dropout and election marks differed by
    hue only.) The legend tells dropouts (dashed, triangle) from elections (solid, dot).
    """
    size = app.page.evaluate(
        "(() => { const c = document.querySelector('.swarm-charts canvas');"
        " return [c.width, c.getBoundingClientRect().width * devicePixelRatio]; })()"
    )
    assert abs(size[0] - size[1]) <= 1
    legend = app.page.locator(".swarm-charts").inner_text()
    assert "dashed: dropout" in legend and "solid: leader elected" in legend


def test_narrow_window_keeps_the_control_bar_reachable(narrow_app):
    """At 800 px wide the sidebar starts closed (it used to cover everything, Play included)."""
    a = narrow_app
    # the sidebar slides away once the page has measured the window: wait until Play is clear
    a.page.wait_for_function(
        "(() => { const b = [...document.querySelectorAll('button')]"
        ".find((x) => x.innerText.trim().toUpperCase() === 'PLAY');"
        " const r = b.getBoundingClientRect();"
        " return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));"
        " })()",
        timeout=10_000,
    )
    assert a.page.locator("nav.v-navigation-drawer").bounding_box()["x"] < 0  # closed
    a.click("Play")
    a.wait_t(lambda t: t >= 3)
    a.click("Pause")


def test_slider_values_can_be_typed(app):
    """A slider's exact value can be typed beside it; an out-of-range one is refused there."""
    box = app.page.get_by_label("Leader's share of top speed value", exact=True)
    box.fill("0.537")
    box.press("Enter")
    app.click("Reset")
    wait_status(app, "cruise_fraction=0.537")
    box.fill("7")
    box.press("Enter")
    app.page.locator(".v-input", has=box).locator(
        ".v-messages", has_text="cruise_fraction"
    ).wait_for()


def test_parameters_have_plain_labels_and_name_the_field_in_their_help(app):
    """A control reads 'Radio range (m)'; the help line under it starts with `comm_range`."""
    app.page.locator(".v-expansion-panel-header", has_text="communication").click()
    param = app.page.locator(".swarm-param", has=app.page.get_by_label("Radio range (m)"))
    help_ = param.locator(".swarm-help")
    help_.wait_for()
    assert help_.locator("code").inner_text() == "comm_range"
    assert help_.inner_text().startswith("comm_range · Agents can exchange messages")
    assert app.page.get_by_label("comm_range").count() == 0  # the raw name labels nothing


def test_compare_csv_holds_both_swarms(app):
    """In compare mode the CSV export has both runs, told apart by a `swarm` column."""
    app.click("Compare")
    app.page.locator(".swarm-space").nth(1).wait_for()
    app.click("Step")
    app.wait_t(lambda t: t == 1, index=1)
    with app.page.expect_download() as info:
        app.click("CSV")
    lines = open(info.value.path()).read().splitlines()
    assert lines[0].startswith("swarm,Step,")
    names = {line.split(",")[0] for line in lines[1:]}
    assert len(names) == 2 and len(lines) == 1 + 2 * 2  # t = 0 and 1 of each swarm


WORDS_SPLIT = """(sel) => {
  // words of the matching elements' text that the layout broke across two lines
  const split = [];
  for (const el of document.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map((b) => Math.round(b.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_text_fits_at_a_projectors_1280x720(projector_app):
    """At 1280×720 text is neither cut off nor covered, and titles break between words.

    (The status "settings:" line ran under the charts, compare outcomes were cut off, Solara's
    footer covered the event log and titles broke mid-word.)
    """
    a = projector_app
    page = a.page
    fits = "(el) => el.scrollWidth <= el.clientWidth + 1"
    status_el = page.locator(".swarm-status")
    assert status_el.evaluate(fits)
    assert not overlaps(status_el.bounding_box(), page.locator(".swarm-charts").bounding_box())
    log = page.locator(".swarm-log").first
    log.scroll_into_view_if_needed()
    assert log.evaluate(
        "(el) => { const r = el.getBoundingClientRect();"
        " return el.contains(document.elementFromPoint(r.x + r.width / 2,"
        " Math.min(r.y + r.height / 2, innerHeight - 2))); }"
    )
    titles = ".v-card__title, .swarm-lesson-menu, .swarm-lesson .v-card__title"
    assert page.evaluate(WORDS_SPLIT, titles) == []
    a.click("Compare")
    page.locator(".swarm-space").nth(1).wait_for()
    a.wait_t(lambda t: t == 0, index=1)
    for _ in range(3):
        a.click("Step")
    a.wait_t(lambda t: t == 3, index=1)
    wait_status(a, "B: t=3")
    text = status(a)
    assert "A: t=3" in text and "running" in text.split("B: t=3")[1]
    assert status_el.evaluate(fits)
    box = status_el.bounding_box()
    assert box["x"] + box["width"] <= 1280
    for i in (0, 1):
        assert not overlaps(box, page.locator(".swarm-space canvas").nth(i).bounding_box())
    assert a.errors == []


def test_large_swarms_are_drawn_whole_and_fast(app):
    """3,000 agents: every live agent is on the canvas (as a dot), and Play paints each step.

    (Before, 1,000 agents ran off the canvas, and 10,000 took 276 ms to draw a frame.)
    """
    box = app.page.get_by_label("Number of agents", exact=True)
    box.fill("3000")
    box.press("Enter")
    app.click("Reset")
    wait_status(app, "active 3000/3000")
    app.wait_t(lambda t: t == 0)
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    inside = app.page.evaluate(
        """(() => {
          const vm = document.querySelector('.swarm-space').swarm, f = vm.current, v = vm.v;
          let n = 0;
          for (let i = 0; i < f.st.length; i++) {
            const x = (f.xy[2 * i] - v.lo) * v.s + v.ox, y = (v.hi - f.xy[2 * i + 1]) * v.s + v.oy;
            if (f.st[i] !== 'x' && x >= 0 && y >= 0 && x < v.W && y < v.H) n++;
          }
          return [n, f.st.length];
        })()"""
    )
    assert inside == [3000, 3000]
    shot = Image.open(io.BytesIO(app.page.locator(".swarm-space canvas").screenshot()))
    assert has_colour(shot, (47, 109, 181), 12)  # follower blue, drawn as dots
    app.page.evaluate(RECORD_PAINTS)
    app.click("Play")
    app.wait_t(lambda t: t >= 12, timeout=30)
    app.click("Pause")
    painted = app.page.evaluate("window.__painted")
    assert painted[0] == 2 and painted == list(range(2, 2 + len(painted)))  # none skipped
    assert app.errors == []


def test_the_canvas_never_steps_back_within_a_run(app):
    """A late frame of an earlier step of the same run is not painted; the next step is.

    (CI once painted step 25 then 24 at Pause: the click's render crossed Play's last send.)
    """
    for _ in range(2):
        app.click("Step")
    app.wait_t(lambda t: t == 2)
    app.page.evaluate(RECORD_PAINTS)
    late = app.page.evaluate(
        """async () => {
          const vm = document.querySelector('.swarm-space').swarm;
          const stale = Object.assign({}, vm.current, {t: vm.current.t - 1});
          vm.$options.watch.frame.handler.call(vm, stale);  // as if the widget's trait changed
          for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
          return [vm.current.t, vm.$el.dataset.t];
        }"""
    )
    assert late == [2, "2"]
    app.click("Step")
    app.wait_t(lambda t: t == 3)
    assert app.page.evaluate("window.__painted") == [3]
    assert app.errors == []


UNNAMED_CONTROLS = """() => {
  // controls a screen reader would announce without a name
  const name = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    if (el.labels && el.labels.length) return [...el.labels].map((l) => l.innerText).join(' ');
    return (el.innerText || el.value || el.getAttribute('title') || '').trim();
  };
  const sel = 'button, [role=button], input, select, textarea, [role=checkbox], canvas';
  return [...document.querySelectorAll(sel)]
    .filter((el) => el.type !== 'hidden' && !name(el).trim())
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def test_every_control_and_canvas_has_an_accessible_name(app):
    """Buttons, toggles, fields and both canvases have names (the sidebar's icon button had none).

    The space view is announced as "Swarm space view".
    """
    page = app.page
    assert page.get_by_role("img", name="Swarm space view").count() == 1
    for group in ("communication", "election"):
        page.get_by_role("button", name=group, exact=True).click()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    app.click("Compare")
    page.locator(".swarm-space").nth(1).wait_for()
    assert page.get_by_role("img", name="Swarm space view").count() == 2
    assert page.evaluate(UNNAMED_CONTROLS) == []

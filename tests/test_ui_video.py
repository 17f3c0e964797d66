"""Video export, server side: range limits, file names, re-simulated frames, Play paused."""

from __future__ import annotations

import pytest

pytest.importorskip("solara")

import ipyvue  # noqa: E402
import solara  # noqa: E402

from sim.ui import export, frames, video  # noqa: E402
from sim.ui.session import Session  # noqa: E402
from sim.ui.state import _new_state  # noqa: E402


def stepped(n: int, **params) -> Session:
    """The default lesson's session stepped `n` times (with `params` applied on a Reset)."""
    s = Session()
    for name, value in params.items():
        s.set_param(name, value)
    if params:
        s.reset()
    s.step(n)
    return s


def test_range_limit_shrinks_for_large_swarms():
    """At most MAX_RANGE_STEPS steps; fewer as the swarm grows; never under 20."""
    assert video.range_limit(10) == video.MAX_RANGE_STEPS
    assert video.range_limit(5_000) == video.MAX_AGENT_STEPS // 5_000 < video.MAX_RANGE_STEPS
    assert video.range_limit(10**7) == 20


def test_check_range_reads_the_fields_and_fills_empty_ones():
    """Whole steps as typed; empty 'from' = the first step, empty 'to' = the latest reached."""
    s = stepped(30)
    assert video.check_range(s, "5", " 12 ") == (5, 12)
    assert video.check_range(s, "", "") == (0, 30)
    assert video.check_range(s, None, "9") == (0, 9)


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("x", "5", "video from step must be a whole number in [0, 30]"),
        ("-1", "5", "video from step must be a whole number in [0, 30]"),
        ("0", "31", "video to step must be a whole number in [0, 30]"),
        ("2.5", "9", "video from step must be a whole number"),
        ("9", "9", "video from step must be before the to step; got 9 to 9"),
        ("20", "3", "video from step must be before the to step"),
    ],
)
def test_check_range_refuses_bad_input_naming_the_field(first, last, says):
    """One clear message naming the field and the allowed steps."""
    with pytest.raises(ValueError, match=None) as err:
        video.check_range(stepped(30), first, last)
    assert says in str(err.value)


def test_a_range_longer_than_the_limit_is_refused_naming_the_limit(monkeypatch):
    """Past the limit: the message names it (steps, agents × steps) and the range asked for."""
    monkeypatch.setattr(video, "MAX_RANGE_STEPS", 25)
    s = stepped(40)
    assert video.check_range(s, "0", "24") == (0, 24)
    with pytest.raises(ValueError) as err:
        video.check_range(s, "0", "25")
    text = str(err.value)
    assert "at most 25 steps for 10 agents" in text and "got steps 0 to 25 (26 steps)" in text


def test_video_name_says_lesson_seed_steps_and_format():
    """Lesson, seed and steps in the name; compare mode adds what swarm B changes."""
    s = Session()
    lesson = s.preset.replace("_", "-")  # (underscores part the name's fields)
    assert video.video_name(s, 3, 120, "mp4") == f"swarm_{lesson}_seed{s.seed}_steps3-120.mp4"
    s.set_compare("message_loss", 0.4)
    name = video.video_name(s, 0, 9, "webm")
    assert name == f"swarm_{lesson}_seed{s.seed}_vs-message-loss-0.4_steps0-9.webm"
    with pytest.raises(ValueError, match="video format must be one of mp4, webm, gif"):
        video.video_name(s, 0, 9, "avi")


def test_video_name_of_a_random_seed_run_names_the_seed_it_drew():
    """Seed field empty: the model's own seed (so the video can be remade), else 'random'."""
    s = Session()
    s.set_seed("")
    s.reset()
    name = video.video_name(s, 0, 1, "gif")
    seed = s.model.seed
    assert name.endswith(f"_seed{seed}_steps0-1.gif" if isinstance(seed, int) else "_steps0-1.gif")
    assert "/" not in name and " " not in name


def test_range_frames_are_the_frames_the_screen_showed_then():
    """Re-simulated frames of steps 10-25 equal those a live run sent; the page's model stays."""
    live = Session()
    shown = []
    for t in range(41):
        if t:
            live.step()
        if t == 15:
            live.drop_leader()
        shown.append(frames.space_frame(live.model, live.runs[0]))
    state = _new_state(live)
    state.messages.set(False)
    got = video.range_frames(state, 10, 25)
    assert list(got) == ["a"]
    assert got["a"] == shown[10:26]
    assert live.model.time == 40 and frames.space_frame(live.model, live.runs[0]) == shown[40]


def test_range_frames_in_compare_mode_cover_both_swarms_step_for_step():
    """Two swarms: two lists of the same length, one frame per step."""
    s = Session()
    s.set_compare("message_loss", 0.3)
    s.step(20)
    got = video.range_frames(_new_state(s), 5, 12)
    assert sorted(got) == ["a", "b"]
    assert [f["t"] for f in got["a"]] == list(range(5, 13)) == [f["t"] for f in got["b"]]


def _canvas(rc):
    """The VideoCanvas widget in a rendered tree."""
    return next(w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, "job"))


def test_the_video_buttons_pause_play_and_resume_it_when_done():
    """A range while playing: Play pauses, the frames and names go to the browser, Play resumes."""
    state = _new_state()
    state.session.step(30)
    state.playing.set(True)
    _, rc = solara.render(video.VideoExport(state), handle_error=False)
    w = _canvas(rc)
    w.vue_start({"kind": "range", "first": "4", "last": "9", "req": 7})
    assert state.playing.value is False
    assert w.job["req"] == 7  # (the browser matches the answer to its request)
    assert [f["t"] for f in w.job["frames"]["a"]] == list(range(4, 10))
    assert w.job["names"]["mp4"].endswith("_steps4-9.mp4") and w.job["error"] == ""
    w.vue_done({})
    assert state.playing.value is True
    assert "frames" not in w.job  # drawn: not kept


def test_a_refused_range_says_why_and_play_goes_on():
    """A bad range: the error goes to the browser at once and Play is not left paused."""
    state = _new_state()
    state.session.step(5)
    state.playing.set(True)
    _, rc = solara.render(video.VideoExport(state), handle_error=False)
    w = _canvas(rc)
    w.vue_start({"kind": "range", "first": "0", "last": "50"})
    assert "video to step must be a whole number in [0, 5]" in w.job["error"]
    assert state.playing.value is True


def test_the_gif_fallback_is_encoded_at_the_rate_asked(tmp_path):
    """No recorder in the browser: its pictures become a GIF with the frame time it asks for."""
    import base64
    import io

    from PIL import Image

    pics = []
    for colour in ("red", "blue", "green"):
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(buf, format="PNG")
        pics.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    state = _new_state()
    _, rc = solara.render(video.VideoExport(state), handle_error=False)
    w = _canvas(rc)
    w.vue_encode_gif({"frames": pics, "ms": 200, "name": "swarm_x_steps0-2.gif"})
    gif = Image.open(io.BytesIO(base64.b64decode(w.gif_ready["data"])))
    assert w.gif_ready["name"] == "swarm_x_steps0-2.gif"
    assert gif.n_frames == 3 and gif.info["duration"] == 200


def test_exports_are_named_after_the_run_and_the_steps():
    """PNG, GIF, CSV and video names share the run's part: lesson, seed, comparison."""
    s = Session()
    lesson = s.preset.replace("_", "-")
    assert export.run_name(s) == f"swarm_{lesson}_seed{s.seed}"
    s.set_compare("message_loss", 0.4)
    assert export.run_name(s) == f"swarm_{lesson}_seed{s.seed}_vs-message-loss-0.4"
    assert video.video_name(s, 0, 9, "mp4") == export.run_name(s) + "_steps0-9.mp4"

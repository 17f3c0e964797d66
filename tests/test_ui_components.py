"""Fast, no-browser tests of the UI's building blocks (frames, session, exports, controls)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

pytest.importorskip("solara")

from PIL import Image  # noqa: E402

from sim.params import specs  # noqa: E402
from sim.presets import DEFAULT_PRESET, PRESETS  # noqa: E402
from sim.ui import export, frames  # noqa: E402
from sim.ui.params_ui import ParamControl, control_kind, label_of, slider_step  # noqa: E402
from sim.ui.session import Session  # noqa: E402


@pytest.fixture
def session() -> Session:
    return Session()


def test_session_starts_on_default_lesson(session):
    """A new session loads the default preset's parameters and seed."""
    assert session.preset == DEFAULT_PRESET
    assert session.seed == PRESETS[DEFAULT_PRESET].seed
    assert (
        session.model.params.leader_dropout_at
        == PRESETS[DEFAULT_PRESET].overrides["leader_dropout_at"]
    )


def test_sessions_are_independent():
    """Two sessions hold different model objects; stepping one leaves the other alone."""
    a, b = Session(), Session()
    a.step(5)
    assert a.model is not b.model
    assert a.model.time == 5 and b.model.time == 0


def test_frame_is_compact_and_complete(session):
    """A frame has one state char, two coordinates and one heading per agent."""
    m = session.model
    f = frames.space_frame(m, 1, links=True, slots=True)
    n = len(m.active)
    xy, hd = frames.unpack(f["xy"], "<i2"), frames.unpack(f["hd"], "<i2")
    assert f["xyb"] == 2  # within ±3.2 km: two bytes a coordinate
    assert len(f["st"]) == n and len(xy) == 2 * n and len(hd) == n
    assert xy == np.rint(m.pos * frames.SCALE).astype(int).ravel().tolist()
    assert hd == np.rint(np.degrees(np.arctan2(m.vel[:, 1], m.vel[:, 0]))).astype(int).tolist()
    assert f["st"].count("L") == 1
    links = frames.unpack(f["links"])
    assert len(links) == 2 * len(m.links()) and len(frames.unpack(f["slots"], "<i2")) == 2 * n
    assert all(isinstance(v, (str, int, float, list)) for v in f.values())  # JSON, no arrays


def test_far_positions_travel_as_four_byte_integers(session):
    """Beyond ±3.2 km (arenas go up to 1,000 km) coordinates switch to int32, unclipped."""
    m = session.model
    m.pos[2] = (5_000.25, -120_000.0)
    f = frames.space_frame(m, 1)
    assert f["xyb"] == 4
    assert frames.unpack(f["xy"], "<i4")[4:6] == [50_002, -1_200_000]


def test_dropped_agent_shown_as_lost_not_removed(session):
    """A dropped agent stays in the frame (as 'x') at its last position."""
    session.step(3)
    session.drop_agent(4)
    f = frames.space_frame(session.model, 1)
    assert f["st"][3] == "x"
    xy = frames.unpack(f["xy"], "<i2")
    assert xy[6:8] == np.rint(session.model.pos[3] * frames.SCALE).astype(int).tolist()


def test_drop_leader_logs_readable_lines(session):
    """Dropping the leader yields 'agent 1 (leader) dropped out' and an election line."""
    session.step(2)
    session.drop_leader()
    for _ in range(200):
        session.step(1)
        if session.model.leader >= 0:
            break
    text = "\n".join(frames.event_lines(session.model))
    assert "agent 1 (leader) dropped out" in text
    assert "elected leader" in text
    assert text.startswith("t=")


def test_bad_input_raises_value_error_naming_field(session):
    """Out-of-range parameters and bad seeds raise ValueError with the field name."""
    with pytest.raises(ValueError, match="message_loss"):
        session.set_param("message_loss", 3.0)
    with pytest.raises(ValueError, match="seed"):
        session.set_seed("abc")
    assert "message_loss" not in session.params


def test_reset_applies_parameters(session):
    """A parameter change takes effect on Reset."""
    session.set_param("n_agents", 17)
    assert len(session.model.active) == 10
    session.reset()
    assert len(session.model.active) == 17


def test_compare_mode_builds_two_swarms_from_one_seed(session):
    """Compare mode: same seed, one setting changed, both stepped together."""
    session.set_compare("election", "none")
    a, b = session.models
    assert b.params.election == "none" and a.params.election != "none"
    assert np.array_equal(a.pos, b.pos)
    session.step(4)
    assert a.time == b.time == 4


def test_click_adds_waypoint(session):
    """Adding a waypoint appends it to the route."""
    k = len(session.model.route)
    session.add_waypoint(5.0, 6.0)
    assert len(session.model.route) == k + 1
    assert session.model.route[-1].tolist() == [5.0, 6.0]


def test_gif_export_encodes_the_browsers_pictures(session):
    """The GIF holds the browser's pictures in order, at their size; the CSV has a row a step."""
    colours = [(232, 89, 12), (47, 109, 181), (251, 251, 248)]
    urls = []
    for c in colours:
        buf = io.BytesIO()
        Image.new("RGB", (30, 20), c).save(buf, format="PNG")
        urls.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    gif = Image.open(io.BytesIO(export.gif_bytes(urls, 50)))
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.size == (30, 20)
    for i, c in enumerate(colours):
        gif.seek(i)
        got = gif.convert("RGB").getpixel((5, 5))
        assert max(abs(a - b) for a, b in zip(got, c, strict=True)) <= 8
    with pytest.raises(ValueError, match="step the swarm first"):
        export.gif_bytes([])
    session.step(6)
    csv = export.csv_bytes(session.model).decode().splitlines()
    assert csv[0].startswith("Step,") and "formation_error" in csv[0]
    assert len(csv) == 1 + 7


def test_every_parameter_gets_a_control():
    """Whatever a parameter's control can send, the session accepts (and it shows the default).

    Selects send each choice as shown ("auto" for an optional one, "true"/"false" strings for
    booleans), sliders send values from lo to hi on their step, text boxes the default as typed.
    """
    kinds = set()
    for name, spec in specs().items():
        kind = control_kind(spec)
        kinds.add(kind)
        if kind == "select":
            sent = list(spec["choices"] or ("true", "false"))
            sent += [None] if spec["optional"] else []
        elif kind == "slider":
            step = slider_step(spec)
            assert 0 < step <= spec["hi"] - spec["lo"], name
            assert (spec["hi"] - spec["lo"]) / step <= 1000, name  # a slider, not a wall of ticks
            assert spec["lo"] <= spec["default"] <= spec["hi"], name
            sent = [spec["lo"], spec["default"]]  # hi may need other settings; see below
            _accepted_somewhere(name, spec["hi"])
        else:
            sent = ["" if spec["default"] is None else str(spec["default"])]
        for value in sent:
            assert _accepted_somewhere(name, value), f"{name}: the control sends {value!r}"
    assert kinds == {"select", "slider", "text"}


@pytest.mark.parametrize("name", ["message_loss", "comm_range", "election"])  # slider, text, select
def test_control_has_plain_label_and_help_names_the_field(name):
    """The control shows the plain label and unit; its help line starts with the field's name."""
    import ipyvuetify as v
    import solara

    from sim.ui.state import state_around

    spec = specs()[name]
    _, rc = solara.render(ParamControl(state_around(Session().model), spec), handle_error=False)
    labels = [w.label for cls in (v.Slider, v.TextField, v.Select) for w in rc.find(cls).widgets]
    assert labels and all(label.startswith(label_of(spec)) for label in labels), labels
    assert name not in " ".join(labels)
    help_ = rc.find(v.Html, class_="swarm-help").widget
    assert help_.children[0].tag == "code" and help_.children[0].children == [name]
    assert help_.children[1] == f" · {spec['doc']}"


def test_label_of_gives_plain_label_and_unit():
    """label_of: the plain label, then the unit in brackets when there is one."""
    assert label_of(specs()["comm_range"]) == "Radio range (m)"
    assert label_of(specs()["message_loss"]) == "Message loss"


def _accepted_somewhere(name, value) -> bool:
    """Whether some lesson's parameters accept `value` for `name`.

    Some values need other settings first (dropout_pool='informed' a mode with informed agents,
    a long heartbeat_period a longer election timeout): a rejection names the parameter and
    leaves the session's parameters as they were.
    """
    for preset in PRESETS:
        session = Session(preset)
        before = dict(session.params)
        try:
            session.set_param(name, value)
        except ValueError as err:
            assert name in str(err) and session.params == before
            continue
        return True
    return False


def test_chart_series_are_thinned():
    """Charts send at most MAX_CHART_POINTS points per series, always the last one."""
    idx = frames.thin(list(range(5000)))
    assert len(idx) <= frames.MAX_CHART_POINTS and idx[-1] == 4999


def test_jam_and_lose_positioning_are_logged(session):
    """Jamming and loss of positioning reach the model and show in the event log."""
    session.step(3)
    session.jam("30")
    session.lose_positioning()
    text = "\n".join(frames.event_lines(session.model))
    assert "jammed" in text and "positioning" in text
    with pytest.raises(ValueError, match="jam steps"):
        session.jam("many")


def test_live_swarm_rebuilds_from_session_like_mesa_reset(session):
    """Mesa's Reset call type(model)(session=..., scenario=...) uses our params and seed."""
    from mesa.experimental.scenarios import Scenario

    session.set_param("n_agents", 12)
    session.set_seed("5")
    rebuilt = type(session.model)(session=session, scenario=Scenario())
    assert len(rebuilt.active) == 12 and rebuilt.seed == 5
    assert np.array_equal(rebuilt.pos, type(session.model)(session=session).pos)


def test_catch_up_steps_swarm_b_after_mesa_steps_a(session):
    """Stepping the main swarm directly (as Mesa does) and catching up brings swarm B along."""
    session.set_compare("election", "none")
    a, b = session.models
    assert not session.catch_up()  # nothing moved yet
    a.step()
    a.step()
    assert session.catch_up()
    assert a.time == b.time == 2 and session.synced_at == 2


def test_adopt_rebuilds_swarm_b_around_a_new_main_swarm(session):
    """Adopting a model built elsewhere (Mesa's Reset) rebuilds swarm B in step with it."""
    session.set_compare("election", "none")
    session.step(3)
    runs = list(session.runs)
    new = type(session.model)(session=session)
    session.adopt(new)
    assert session.model is new and session.models[1].time == 0
    assert session.runs != runs and session.synced_at == 0


def test_waypoints_are_logged_from_one_with_or_without_a_leader():
    """Leaders and leaderless groups alike: waypoints numbered from 1, no 'leader -1'."""
    assert frames.describe((5.0, "waypoint_reached", 3, "waypoint 0")) == (
        "t=5 leader 3 reached waypoint 1"
    )
    group = frames.describe((9.0, "waypoint_reached", -1, "waypoint 0 (group centroid)"))
    assert group == "t=9 the group reached waypoint 1 (group centroid)"


def test_failed_mission_stops_play_and_step_though_the_model_runs_on(session):
    """A failed mission is over for the UI (no Play, no Step, the end shown) before max_steps."""
    from sim.ui.state import state_around

    for name, value in dict(n_agents=5, leader_dropout_at=5, election="none").items():
        session.set_param(name, value)
    session.reset()
    state = state_around(session.model)
    model = state.session.model
    while not model.mission_over:
        state.step_once()
    assert model.outcome == "mission_failed" and model.time < model.params.max_steps
    assert model.running  # the model itself runs on to max_steps (a plain SwarmModel would)
    assert not state.session.running and "end" in frames.space_frame(model, 1)
    t = model.time
    state.play()
    state.key_step()
    state.session.step(3)
    assert not state.playing.value and model.time == t


def test_pause_during_plays_last_send_never_shows_an_earlier_step(session):
    """A Pause that lands while Play sends a step leaves the view on that step, not the one before.

    (Before, `pause` put back the previous step's frame when it came between the send and the
    loop's note of it: the canvas stepped backwards, 25 then 24, seen in CI at 3,000 agents.)
    """
    from sim.ui.state import state_around

    state = state_around(session.model)
    sent = []

    class Canvas:  # the space widget: records what Play sends it
        def __setattr__(self, name, value):
            sent.extend(f["t"] for f in value["batch"])

    state.widgets["space_a"] = Canvas()
    push = state.push_step

    shown = []

    def push_then_click_pause(f):
        push(f)
        if len(sent) == 3:
            state.pause()  # the click arrives right after the third step went out
            shown.append(state.frame.value["a"]["t"])  # what the click's render sends the view

    state.push_step = push_then_click_pause
    state.pacer.ack = lambda run, t: None
    state.pacer.wait = lambda run, t, timeout=0: True  # painted at once
    state.playing.set(True)
    state.play_loop()
    assert sent == [1, 2, 3] and not state.playing.value
    assert shown == [3] and state.frame.value["a"]["t"] == 3

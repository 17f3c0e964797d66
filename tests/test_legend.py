"""The role and message colours stay apart for colour-blind viewers; frames carry messages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim import SwarmModel
from sim.components.leadership import CANDIDATE, LEADER, ROLES, VOTED
from sim.traffic import HEARTBEAT, KINDS, REQUEST
from sim.ui import frames
from sim.ui.legend import KIND_STYLES, LOST_COLOUR, ROLE_COLOURS, styles

# Machado, Oliveira & Fernandes 2009, severity 1.0, on linear RGB
MACHADO = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
MIN_DELTA_E = 15.0  # CIE76 ΔE between any two colours seen with a deficiency (≈ 2.3 is a JND)


def lab(css: str, matrix=None) -> np.ndarray:
    """CIELAB (D65) of an sRGB '#rrggbb', seen through a simulation matrix (None: as is)."""
    c = np.array([int(css[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        linear = np.clip(np.array(matrix) @ linear, 0, 1)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest(colours: dict[str, str], matrix) -> tuple[float, str, str]:
    """The smallest ΔE between two of `colours` seen through `matrix`, and which two."""
    seen = {name: lab(c, matrix) for name, c in colours.items()}
    return min(
        (float(np.linalg.norm(seen[a] - seen[b])), a, b) for a, b in itertools.combinations(seen, 2)
    )


@pytest.mark.parametrize("theme", sorted(ROLE_COLOURS))
@pytest.mark.parametrize("deficiency", [None, *MACHADO])
def test_role_colours_stay_apart_with_a_colour_vision_deficiency(theme, deficiency):
    """The five roles differ by ΔE ≥ 15 in normal vision and in simulated dichromacy."""
    distance, a, b = closest(ROLE_COLOURS[theme], MACHADO.get(deficiency))
    assert distance >= MIN_DELTA_E, f"{a} and {b}: ΔE {distance:.1f} ({deficiency}, {theme})"


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
def test_message_colours_and_the_lost_red_stay_apart(deficiency):
    """Heartbeat, request, vote and the lost colour differ by ΔE ≥ 15 for every viewer."""
    colours = {k: s["colour"] for k, s in KIND_STYLES.items()} | {"lost": LOST_COLOUR}
    distance, a, b = closest(colours, MACHADO.get(deficiency))
    assert distance >= MIN_DELTA_E, f"{a} and {b}: ΔE {distance:.1f} ({deficiency})"


def test_the_simulation_would_catch_a_red_green_pair():
    """The check has teeth: pure red and green, far apart normally, merge for a deuteranope."""
    pair = {"red": "#d62728", "green": "#2ca02c"}
    assert closest(pair, None)[0] > 50
    assert closest(pair, MACHADO["deuteranopia"])[0] < MIN_DELTA_E


def test_every_message_kind_has_its_own_shape_and_every_role_a_colour():
    """Colour is not the only cue between message kinds; the canvas gets every role and kind."""
    assert len({s["shape"] for s in KIND_STYLES.values()}) == len(KINDS)
    s = styles()
    assert [r[0] for r in s["roles"]["light"]] == list(ROLES)
    assert [k[0] for k in s["kinds"]] == list(KINDS)


def test_frames_carry_this_steps_messages_and_roles():
    """A frame with messages round-trips the pulses the network traced, and the roles."""
    model = SwarmModel(n_agents=10, rng=1, leader_dropout_at=20)
    first = frames.space_frame(model, 0, messages=True)  # tracing starts with the next step
    assert "pl" not in first and "ro" not in first  # nobody suspects or campaigns yet
    beats = []
    for _ in range(70):  # the leader drops out at 20; a successor leads well before 70
        model.step()
        f = frames.space_frame(model, 0, messages=True)
        src, dst, kind, lost = model.network.traffic.pulses(int(model.time))
        if "pl" in f:
            pairs = frames.unpack(f["pl"], "<i2")
            assert pairs == np.column_stack([src, dst]).ravel().tolist()
            assert frames.unpack(f["pk"], "<u1") == (kind * 2 + lost).tolist()
            assert f["pn"] >= len(src)
            beats.extend(frames.unpack(f["pk"], "<u1"))
        if "ro" in f:
            codes = [int(c) for c in f["ro"]]
            assert codes == model.leadership.role.tolist()
    assert 2 * HEARTBEAT in beats and 2 * REQUEST in beats
    roles = [int(c) for c in f["ro"]] if "ro" in f else model.leadership.role.tolist()
    assert LEADER in roles
    off = frames.space_frame(model, 0, messages=False)
    assert "pl" not in off and model.network.traffic is None  # off: nothing traced


def test_a_selected_agent_shows_its_believed_leader_and_its_timer():
    """Selection: the believed leader's row and position, and a timer that fills with silence."""
    model = SwarmModel(n_agents=10, rng=1, leader_dropout_at=20)
    model.run(19)
    sel = frames.space_frame(model, 0, selected=5)["sel"]
    assert sel["id"] == 5 and sel["lead"] == 0
    assert np.hypot(sel["gx"] / 10 - model.pos[0, 0], sel["gy"] / 10 - model.pos[0, 1]) < 3.0
    fills = []
    for _ in range(8):  # the leader is gone: silence grows
        model.step()
        fills.append(frames.space_frame(model, 0, selected=5)["sel"].get("fill"))
    assert fills[-1] > fills[0]
    while model.leadership.role[4] not in (CANDIDATE, VOTED) and model.time < 80:
        model.step()
    assert frames.space_frame(model, 0, selected=5)["sel"]["role"] in (CANDIDATE, VOTED)
    assert "sel" not in frames.space_frame(model, 0, selected=None)

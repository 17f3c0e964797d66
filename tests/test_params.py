"""SwarmParams: every parameter validated, with errors naming the field and its range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import PRESETS, SwarmModel, SwarmParams
from sim.params import allowed, field_names, specs


def test_defaults_are_valid_and_documented():
    """Every field has a doc, a group and a default that passes its own validation."""
    params = SwarmParams()
    for name, meta in specs().items():
        assert meta["doc"] and meta["group"], name
        assert getattr(params, name) == meta["default"] or meta["default"] is None


def test_every_field_has_a_plain_label():
    """Labels are plain words: not the field's name, no underscore, sentence case."""
    for name, meta in specs().items():
        label = meta["label"]
        assert label != name and "_" not in label, (name, label)
        assert label[0].isupper() and label[1:] == label[1:].lower(), (name, label)


JARGON = (
    "robotsim",
    "periodic box",
    "torus",
    "dead-reckon",
    "std. dev",
    "random-walk",
    "broadcast time",
)


def test_help_texts_avoid_jargon():
    """Help texts explain in plain words instead of naming simulators or textbook terms."""
    for name, meta in specs().items():
        found = [word for word in JARGON if word in meta["doc"].lower()]
        assert not found, (name, found)
        assert "\n" not in meta["doc"], name


@pytest.mark.parametrize(
    "name,value",
    [
        ("n_agents", 0),
        ("n_agents", 10_001),
        ("n_agents", 2.5),
        ("message_loss", 1.5),
        ("spacing", -1.0),
        ("formation", "triangle"),
        ("election", "vote"),
        ("max_speed", float("nan")),
        ("torus", "maybe"),
        ("waypoints", [[1.0]]),
    ],
)
def test_out_of_range_names_field_and_range(name, value):
    """A bad value raises ValueError whose text names the field and its allowed range."""
    with pytest.raises(ValueError) as err:
        SwarmModel(**{name: value})
    assert name in str(err.value)
    assert allowed(name) in str(err.value)


def test_unknown_name_rejected_with_suggestion():
    """An unknown keyword is rejected and the closest known name is suggested."""
    with pytest.raises(ValueError, match="did you mean n_agents"):
        SwarmModel(n_agent=5)


def test_timeouts_must_be_ordered():
    """Timing fields that contradict each other give an error naming both."""
    with pytest.raises(ValueError, match="election_timeout_min.*election_timeout_max"):
        SwarmParams(election_timeout_min=40, election_timeout_max=20)
    with pytest.raises(ValueError, match="heartbeat_period.*election_timeout_min"):
        SwarmParams(heartbeat_period=12, election_timeout_min=10)


def test_strings_from_cli_and_ui_are_coerced():
    """Values typed as text (CLI --set, UI fields) are converted to the field's type."""
    p = SwarmParams.build(n_agents="12", message_loss="0.25", torus="true", arena_size="")
    assert (p.n_agents, p.message_loss, p.torus, p.arena_size) == (12, 0.25, True, None)


def test_preset_applied_then_keywords_override():
    """preset= applies its overrides and seed; explicit keywords win over the preset."""
    name, preset = next(iter(PRESETS.items()))
    model = SwarmModel(preset=name, n_agents=7)
    assert model.params.n_agents == 7
    for key, value in preset.overrides.items():
        if key != "n_agents":
            assert getattr(model.params, key) == value
    assert model.seed == preset.seed


def test_unknown_preset_rejected():
    """An unknown preset name raises ValueError listing the known presets."""
    with pytest.raises(ValueError, match="preset must be one of"):
        SwarmModel(preset="nope")


numeric = [n for n, m in specs().items() if m["kind"] in (int, float) and m["lo"] is not None]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(numeric), st.floats(0, 1))
def test_every_in_range_value_accepted(name, fraction):
    """Any value inside a numeric field's range is accepted unchanged (ints rounded)."""
    meta = specs()[name]
    lo, hi = meta["lo"], meta["hi"]
    value = lo + fraction * (hi - lo)
    if meta["kind"] is int:
        value = int(round(value))
    kwargs = {name: value}
    # the timing fields are also checked against each other: make room around `value`
    if name == "heartbeat_period":
        kwargs.update(election_timeout_min=value + 1, election_timeout_max=10_000)
    elif name.startswith("election_timeout"):
        value = kwargs[name] = max(value, 2)
        kwargs.update(heartbeat_period=1)
        kwargs.setdefault("election_timeout_min", 2)
        kwargs.setdefault("election_timeout_max", 10_000)
    params = SwarmParams.build(**kwargs)
    assert getattr(params, name) == pytest.approx(value)


def test_field_names_cover_design_table():
    """The parameter names fixed by DESIGN.md all exist."""
    design = """n_agents coordination formation spacing max_speed max_accel arena_size comm_range
    message_loss comm_delay position_noise dropout_rate leader_dropout_at election
    heartbeat_period election_timeout_min election_timeout_max slot_assignment
    informed_fraction noise interaction_radius torus max_steps""".split()
    assert set(design) <= set(field_names())


def test_collective_docs_quote_the_modes_defaults():
    """The speed and max_turn docs quote the couzin / vicsek defaults they fall back on."""
    from sim.behaviours import couzin, vicsek

    docs = specs()
    assert f"couzin {couzin.DEFAULT_SPEED:g}" in docs["speed"]["doc"]
    assert f"vicsek {vicsek.DEFAULT_SPEED:g}" in docs["speed"]["doc"]
    assert f"({couzin.DEFAULT_MAX_TURN:g})" in docs["max_turn"]["doc"]


HUGE = 10**400  # a Python int too large for a float


def short_id(value):
    """Test id that spells 10**400 briefly."""
    return repr(value).replace(str(HUGE), "10**400")


@pytest.mark.parametrize(
    "name,value",
    [("n_agents", float("inf")), ("n_agents", "inf"), ("waypoints", [[HUGE, 0.0]])]
    + [(name, HUGE) for name in numeric],
    ids=short_id,
)
def test_huge_or_infinite_numbers_name_field_and_range(name, value):
    """Infinity and 10**400 give the field's ValueError, never OverflowError."""
    with pytest.raises(ValueError) as err:
        SwarmParams.build(**{name: value})
    assert f"{name} must be {allowed(name)}" in str(err.value)


@pytest.mark.parametrize(
    "pair", [[1e400, 1], [1, 1e400], [HUGE, 1], [1, HUGE], [3, True]], ids=short_id
)
def test_bad_scheduled_dropouts_name_step_and_unique_id(pair):
    """A non-finite, huge or boolean [step, unique_id] pair: ValueError saying what is allowed."""
    with pytest.raises(ValueError) as err:
        SwarmParams.build(scheduled_dropouts=[pair])
    assert "scheduled_dropouts must be a list of [step, unique_id] pairs" in str(err.value)


@pytest.mark.parametrize("seed", [1.5, float("nan"), -1, "-3", True, np.True_, 2.0, [1, 2]])
def test_bad_seed_names_rng_and_what_is_allowed(seed):
    """Negative, fractional, NaN or boolean seeds raise ValueError naming rng and its forms."""
    with pytest.raises(ValueError) as err:
        SwarmModel(n_agents=3, rng=seed)
    assert str(err.value).startswith("rng (seed) must be None, a non-negative integer")


@pytest.mark.parametrize("seed", [7, np.int64(7), np.uint8(7), "7", " 7 "])
def test_seed_forms_accepted(seed):
    """Python and numpy integers and digit strings (the UI's seed field) all mean the same seed."""
    model = SwarmModel(n_agents=3, rng=seed)
    assert model.seed == 7 and type(model.seed) is int
    assert model.rng.random() == SwarmModel(n_agents=3, rng=7).rng.random()


def test_seed_parsed_once_for_model_and_ui():
    """The UI's seed field and the model share one parser (same accepted forms, same message)."""
    from sim.ui.session import Session

    session = Session()
    session.set_seed(" 12 ")
    assert session.seed == 12
    with pytest.raises(ValueError, match=r"^rng \(seed\) must be None, a non-negative integer"):
        session.set_seed("-3")


@pytest.mark.parametrize("preset", [["x"], {"leader_handover": 1}])
def test_preset_of_wrong_type_names_preset(preset):
    """preset= that is not a name raises ValueError listing the known presets."""
    with pytest.raises(ValueError, match="preset must be one of .*leader_handover"):
        SwarmModel(preset=preset)

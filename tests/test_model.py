"""SwarmModel behaviour: formation flight, limits, faults, reproducibility, Mesa integration."""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
import sys

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import PRESETS, SwarmModel
from sim.behaviours.couzin import DEFAULT_SPEED as COUZIN_SPEED
from sim.behaviours.vicsek import DEFAULT_SPEED as VICSEK_SPEED
from sim.kinematics import turn_limit
from sim.model import REPORTERS
from tests.conftest import run_recording


def test_formation_converges_and_holds_through_turns():
    """After settling, formation error stays well under the spacing, through every turn."""
    model = SwarmModel(n_agents=10, formation="wedge", route="square", rng=3)
    model.run()
    err = model.datacollector.get_model_vars_dataframe()["formation_error"].to_numpy()
    assert model.summary()["waypoints_reached"] == 4  # four 90° turns flown
    settled = err[100:]
    assert np.nanmax(settled) < 0.5 * model.params.spacing
    assert np.nanmean(settled) < 0.15 * model.params.spacing


@pytest.mark.parametrize("shape", ["wedge", "line", "column", "circle", "grid"])
def test_every_formation_shape_completes(shape):
    """Each formation shape flies the default route to the end without collisions."""
    summary = SwarmModel(n_agents=12, formation=shape, rng=4).run()
    assert summary["mission_success"]
    assert summary["collisions"] == 0


LEADER_PRESETS = [
    n for n, p in PRESETS.items() if p.overrides.get("coordination") not in ("couzin", "vicsek")
]


@pytest.mark.parametrize("name", LEADER_PRESETS)
def test_default_presets_keep_agents_apart(name):
    """No two agents come closer than the collision radius in any explicit-leader preset.

    (Couzin agents keep apart only through their soft repulsion zone, by design of the model.)
    """
    model = SwarmModel(preset=name)
    model.run()
    series = model.datacollector.get_model_vars_dataframe()["min_separation"]
    assert model.summary()["collisions"] == 0
    assert series.min() >= model.params.collision_radius


@pytest.mark.parametrize("coordination", ["formation", "flock"])
def test_speed_and_acceleration_limits_hold(coordination):
    """|v| ≤ max_speed and |Δv| ≤ max_accel at every step, for every agent."""
    model = SwarmModel(
        n_agents=15, coordination=coordination, rng=5, leader_dropout_at=150, max_steps=600
    )
    _, vel, active = run_recording(model)
    speed = np.hypot(vel[..., 0], vel[..., 1])
    accel = np.hypot(*np.diff(vel, axis=0).transpose(2, 0, 1))
    assert speed.max() <= model.params.max_speed + 1e-9
    assert accel[active[1:]].max() <= model.params.max_accel + 1e-9  # dropped agents just stop


COLLECTIVE_LIMITS = [
    dict(max_speed=0.02),  # below both published speeds: the empty speed is capped to it
    dict(max_accel=0.002),  # below 2·speed: the turn per step is bounded
    dict(max_speed=0.05, max_accel=0.001, speed=0.04),  # an explicit speed under max_speed
]


@pytest.mark.parametrize("limits", COLLECTIVE_LIMITS)
@pytest.mark.parametrize("coordination", ["couzin", "vicsek"])
def test_collective_modes_honour_speed_and_acceleration_limits(coordination, limits):
    """Couzin and Vicsek agents keep speed ≤ max_speed and turn so that |Δv| ≤ max_accel.

    On the torus a wrap is not a move: each step, taken to the nearest periodic image, is the
    velocity and so also within max_speed.
    """
    model = SwarmModel(
        n_agents=30,
        coordination=coordination,
        arena_size=8.0,
        torus=True,
        rng=5,
        waypoints=((0.0, 0.0), (1e4, 1e4)),
        max_steps=200,
        **limits,
    )
    pos, vel, active = run_recording(model)
    p = model.params
    default = COUZIN_SPEED if coordination == "couzin" else VICSEK_SPEED
    speed = np.hypot(vel[..., 0], vel[..., 1])[active]
    np.testing.assert_allclose(speed, limits.get("speed", min(default, p.max_speed)))
    assert speed.max() <= p.max_speed + 1e-9
    both = active[1:] & active[:-1]
    accel = np.hypot(*np.diff(vel, axis=0).transpose(2, 0, 1))
    assert accel[both].max() <= p.max_accel + 1e-9
    move = np.diff(pos, axis=0)
    move -= model.arena_size * np.round(move / model.arena_size)  # nearest periodic image
    np.testing.assert_allclose(move[both], vel[1:][both], atol=1e-9)


@settings(max_examples=200)
@given(st.floats(1e-4, 20.0), st.floats(1e-3, 10.0), st.floats(-math.pi, math.pi))
def test_turn_limit_keeps_the_change_of_velocity_within_max_accel(speed, max_accel, heading):
    """Turning by turn_limit at constant speed changes the velocity by at most max_accel."""
    turn = turn_limit(speed, max_accel)
    assert 0.0 < turn <= math.pi
    before = speed * np.array([math.cos(heading), math.sin(heading)])
    after = speed * np.array([math.cos(heading + turn), math.sin(heading + turn)])
    change = float(np.hypot(*(after - before)))
    assert change <= max_accel * (1 + 1e-9)
    if turn < math.pi:  # the bound binds: it is the largest such turn
        assert change == pytest.approx(max_accel, rel=1e-6)


@pytest.mark.parametrize("coordination", ["couzin", "vicsek"])
def test_constant_speed_above_max_speed_is_rejected(coordination):
    """A constant speed above max_speed cannot be honoured: a ValueError names both fields."""
    with pytest.raises(ValueError, match=r"speed \(0\.8\).*max_speed \(0\.5\).*\[0\.0001, 0\.5\]"):
        SwarmModel(coordination=coordination, speed=0.8, max_speed=0.5)
    assert SwarmModel(coordination=coordination, speed=0.5, max_speed=0.5).params.speed == 0.5


def test_leader_dropout_yields_one_new_leader_and_mission_completes():
    """Dropping the leader mid-route: exactly one new leader, and the route still completes."""
    model = SwarmModel(n_agents=10, leader_dropout_at=200, rng=6)
    old = model.leader_id
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert model.summary()["mission_success"]
    assert model.summary()["leader_changes"] == 1
    assert (frame["n_leaders"].iloc[1:] <= 1).all()
    assert model.leader_id not in (old, -1)
    kinds = [e[1] for e in model.events]
    assert kinds.index("dropout") < kinds.index("leader_elected") < kinds.index("slot_reassigned")


def test_drop_agent_api():
    """drop_agent removes the Mesa handle, logs the event and rejects unknown ids."""
    model = SwarmModel(n_agents=5, rng=0)
    model.drop_agent(3)
    assert len(model.agents) == 4 and not model.active[2]
    assert model.events[-1][1:3] == ("dropout", 3)
    with pytest.raises(ValueError, match="unique_id"):
        model.drop_agent(99)


def repr_short(value):
    """Test id that spells 10**400 briefly."""
    return repr(value).replace(str(10**400), "10**400")


@pytest.mark.parametrize("uid", [1.7, True, np.True_, "2", None, float("nan"), float("inf"), 0])
def test_drop_agent_rejects_non_ids(uid):
    """Booleans, strings, None and non-integral or out-of-range numbers are not unique_ids."""
    model = SwarmModel(n_agents=5, rng=0)
    with pytest.raises(ValueError) as err:
        model.drop_agent(uid)
    assert str(err.value) == f"unique_id must be a whole number in [1, 5]; got {uid!r}"
    assert model.active.all()


@pytest.mark.parametrize("uid", [2, np.int64(2), np.uint16(2), 2.0])
def test_drop_agent_accepts_whole_numbers(uid):
    """Python and numpy integers (the UI's click handler) and integral floats name an agent."""
    model = SwarmModel(n_agents=5, rng=0)
    model.drop_agent(uid)
    assert not model.active[1] and model.active.sum() == 4


@pytest.mark.parametrize(
    "steps", [float("inf"), float("nan"), None, True, "3", 2.5, 0, 10**400], ids=repr_short
)
def test_jam_communications_rejects_bad_steps(steps):
    """A blackout length must be a whole number of steps in range; anything else names steps."""
    model = SwarmModel(n_agents=5, rng=0)
    with pytest.raises(ValueError) as err:
        model.jam_communications(steps)
    assert str(err.value).startswith("steps must be a whole number in [1, 10000000]; got ")


@pytest.mark.parametrize(
    "point",
    [{"x": 1}, "ab", "12", (10**400, 1.0), (True, False), [None, 1.0], b"12"],
    ids=repr_short,
)
def test_add_waypoint_rejects_non_points(point):
    """Anything but two finite numbers is a ValueError naming the waypoint, route unchanged."""
    model = SwarmModel(n_agents=5, rng=0)
    before = model.route.copy()
    with pytest.raises(ValueError, match=r"^waypoint must be two finite numbers \(x, y\); got "):
        model.add_waypoint(point)
    assert np.array_equal(model.route, before)


@pytest.mark.parametrize(
    "point", [(1, 2), [1.0, 2.0], np.array([1.0, 2.0]), np.array([[1, 2]]), (np.float32(1), 2)]
)
def test_add_waypoint_accepts_number_pairs(point):
    """Pairs of Python or numpy numbers, as tuple, list or array, are appended as floats."""
    model = SwarmModel(n_agents=5, rng=0)
    model.add_waypoint(point)
    assert model.route[-1].tolist() == [1.0, 2.0]


def test_dropped_agents_never_move():
    """An agent that drops out keeps its position for the rest of the run."""
    model = SwarmModel(n_agents=12, dropout_rate=0.004, rng=7, max_steps=800)
    pos, _, active = run_recording(model)
    for row in range(pos.shape[1]):
        gone = np.flatnonzero(~active[:, row])
        if len(gone):
            assert np.all(pos[gone[0] :, row] == pos[gone[0], row])


def test_no_replacement_fails_the_mission():
    """With election='none' the group stays leaderless and the mission fails."""
    summary = SwarmModel(n_agents=10, election="none", leader_dropout_at=100, rng=1).run()
    assert not summary["mission_success"]
    assert summary["leader_changes"] == 0


def _fingerprint(seed: int) -> str:
    model = SwarmModel(n_agents=12, dropout_rate=0.002, position_noise=0.3, rng=seed, max_steps=300)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    return hashlib.sha256(frame.to_csv().encode() + model.pos.tobytes()).hexdigest()


def test_same_seed_same_run_and_different_seeds_differ():
    """Same seed → identical data; another seed → different data."""
    assert _fingerprint(11) == _fingerprint(11)
    assert _fingerprint(11) != _fingerprint(12)


def test_same_seed_same_run_across_processes():
    """A run in a fresh interpreter gives bit-identical data to one in this process."""
    code = "from tests.test_model import _fingerprint; print(_fingerprint(11))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _fingerprint(11)


def test_model_import_is_light():
    """`import sim.model` loads neither solara nor matplotlib."""
    code = "import sys, sim.model; print([m for m in ('solara', 'matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Radii that reach across the whole arena at N = 10,000: up to 5·10⁷ neighbour pairs.
HUGE_RADIUS = {
    "formation": {"comm_range": 1e6},
    "flock": {"comm_range": 1e6},
    "couzin": {"interaction_radius": 1000.0},
    "vicsek": {"interaction_radius": 1000.0},
}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
@pytest.mark.parametrize("coordination", list(HUGE_RADIUS))
def test_huge_radius_at_ten_thousand_agents_stays_under_a_gigabyte(coordination):
    """N = 10,000 with a radius covering the arena: two steps in a fresh process peak < 1 GB.

    No mode may hold all pairs (or an N × N block) at once; when the neighbour sums listed the
    pairs, couzin peaked at 8.2 GB and vicsek at 3.3 GB here. Over the cell list (`sim.cells`)
    each peaks near 320 MB.
    """
    code = (
        "import resource; from sim import SwarmModel; "
        f"m = SwarmModel(n_agents=10_000, coordination={coordination!r}, rng=1, "
        f"**{HUGE_RADIUS[coordination]!r}); m.step(); m.step(); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_mb = int(out.stdout) / 1024
    assert peak_mb < 1024, f"{coordination}: peak RSS {peak_mb:.0f} MB"


def test_reporters_and_summary_fields():
    """Every DESIGN.md reporter is collected each step; summary has every outcome field."""
    model = SwarmModel(rng=0, max_steps=20)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(REPORTERS)
    assert len(frame) == 21
    fields = """mission_success completion_time waypoints_reached leader_changes leaderless_steps
        max_recovery_steps mean_formation_error collisions final_active""".split()
    assert set(fields) <= set(model.summary())
    assert not model.running and model.outcome == "mission_failed"  # out of time


def test_batch_run_over_a_small_grid():
    """mesa.batch_run runs SwarmModel over a grid of parameters and seeds."""
    results = mesa.batch_run(
        SwarmModel,
        parameters={"n_agents": [4, 6], "formation": ["line", "wedge"], "max_steps": 30},
        rng=[1, 2],
        max_steps=30,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 8
    assert {r["n_agents"] for r in results} == {4, 6}
    assert all(r["n_active"] == r["n_agents"] for r in results)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 25),
    coordination=st.sampled_from(["formation", "flock"]),
    formation=st.sampled_from(["wedge", "line", "column", "circle", "grid"]),
    election=st.sampled_from(["lowest_id", "raft", "succession", "none"]),
    dropout=st.floats(0, 0.02),
    noise=st.floats(0, 2),
    loss=st.floats(0, 0.9),
    delay=st.integers(0, 4),
    seed=st.integers(0, 2**31),
)
def test_invariants_under_random_parameters(
    n, coordination, formation, election, dropout, noise, loss, delay, seed
):
    """No NaN, limits hold, nobody is revived or moves once dropped, raft: one leader a term."""
    model = SwarmModel(
        n_agents=n,
        coordination=coordination,
        formation=formation,
        election=election,
        dropout_rate=dropout,
        position_noise=noise,
        message_loss=loss,
        comm_delay=delay,
        rng=seed,
        max_steps=150,
    )
    pos, vel, active = run_recording(model)
    assert np.isfinite(pos).all() and np.isfinite(vel).all()
    assert np.hypot(vel[..., 0], vel[..., 1]).max() <= model.params.max_speed + 1e-9
    assert not np.any(active[1:] & ~active[:-1])  # nobody is revived
    assert np.all((pos[1:] == pos[:-1])[~active[:-1]])  # the dropped never move
    frame = model.datacollector.get_model_vars_dataframe()
    assert (frame["n_leaders"] <= frame["n_active"]).all()
    if election == "raft":
        terms = [term for _, _, term in model.elections]
        assert len(terms) == len(set(terms))


def test_fast_collector_matches_mesa_datacollector():
    """The model's Collector records exactly what Mesa's own DataCollector records."""
    model = SwarmModel(preset="leader_handover", max_steps=400)
    reference = mesa.DataCollector(model_reporters={r: r for r in REPORTERS})
    reference.collect(model)
    for _ in range(320):  # across the leader's dropout at 300
        model.step()
        reference.collect(model)
    ours = model.datacollector.get_model_vars_dataframe()
    theirs = reference.get_model_vars_dataframe()
    assert len(ours) == len(theirs) == 321
    assert ours.equals(theirs)
    assert all(
        isinstance(v, int | float)
        for values in model.datacollector.columns.values()
        for v in values
    )
    outcome = model.datacollector.model_vars["steps"]  # run-level: the last step only
    assert len(outcome) == 321 and outcome[-1] == 320 and outcome[:-1] == [None] * 320


@pytest.mark.parametrize("preset", ["leader_handover", "cascade", "lost_positioning", "lossy_raft"])
def test_small_formation_steers_agent_by_agent_like_the_vector_laws(preset):
    """Small formations step agent by agent in plain floats: the vector laws' velocities.

    Compared with the vectorised desired-velocity and steering laws step after step, through
    dropouts, elections, lost positioning and heavy message loss.
    """
    import copy

    from sim import kinematics

    model = SwarmModel(preset=preset, max_steps=10**6)
    p, mode, mission = model.params, model.mode, model.mission
    checked = 0
    for _ in range(450):
        act = model.active_rows
        pristine = copy.deepcopy(mission.flights)  # leader steering updates its heading
        each = mode.steer_each(model, act)
        if each is not None:
            mission.flights = copy.deepcopy(pristine)
            desired = mode.desired(model, act)
            vector, _ = kinematics.steer(model.vel[act], desired, p.max_speed, p.max_accel)
            np.testing.assert_allclose(each, vector, rtol=0, atol=1e-12)
            checked += 1
        mission.flights = pristine
        model.step()
    assert checked > 300


def test_event_log_counts_agree_in_number():
    """'1 round', '1 step', not '1 rounds', '1 steps' (the log is read aloud in class)."""
    from sim.wording import count

    assert [count(1, "step"), count(0, "step"), count(2, "round")] == [
        "1 step",
        "0 steps",
        "2 rounds",
    ]
    model = SwarmModel(preset="leader_handover")  # its election takes a single FloodMin round
    model.run(400)
    model.jam_communications(1)
    details = [detail for _, _, _, detail in model.events]
    assert "lowest_id, term 2, 1 round" in details
    assert "all messages lost for 1 step" in details
    wrong = [d for d in details if re.search(r"\b1 (steps|rounds|agents|members|parts)\b", d)]
    assert not wrong and not [d for d in details if "(s)" in d], details


def test_leaderless_dropouts_are_not_called_followers():
    """Without a leader nobody is a 'follower': a couzin dropout is 'informed' or 'uninformed'."""
    model = SwarmModel(preset="leader_vs_informed")  # only informed agents drop out
    model.run(100)
    roles = {detail for _, kind, _, detail in model.events if kind == "dropout"}
    assert roles == {"informed"}
    model = SwarmModel(coordination="couzin", n_agents=20, informed_fraction=0.2, rng=1)
    uninformed = int(np.flatnonzero(~model.mode.informed)[0]) + 1
    model.drop_agent(uninformed)
    assert model.events[-1][1:] == ("dropout", uninformed, "uninformed")
    model = SwarmModel(coordination="vicsek", n_agents=20, rng=1)
    model.drop_agent(3)
    assert model.events[-1][1:] == ("dropout", 3, "member")


def test_failed_mission_runs_on_to_max_steps():
    """A run that can no longer succeed steps on to max_steps; the failure is logged once."""
    model = SwarmModel(n_agents=6, leader_dropout_at=20, election="none", max_steps=250, rng=1)
    summary = model.run()
    failed = [t for t, kind, _, _ in model.events if kind == "mission_failed"]
    assert len(failed) == 1 and failed[0] < 100 and model.outcome == "mission_failed"
    assert summary["steps"] == 250 and not model.running and model.mission_over
    assert summary["leaderless_steps"] > 200  # counted to the end, not to the failure


def test_batch_run_rows_carry_the_outcome_and_times_are_whole():
    """batch_run's last row has the run-level summary; event and step times are ints."""
    rows = mesa.batch_run(
        SwarmModel,
        {"n_agents": 10, "leader_dropout_at": 50, "max_steps": 200},
        rng=[1],  # iterations=1, seeded
        max_steps=200,
        display_progress=False,
    )
    last = rows[-1]
    assert last["mission_success"] in (True, False) and last["steps"] == last["Step"] == 200
    assert isinstance(last["max_recovery_steps"], int) and 0 < last["max_recovery_steps"] < 100
    assert last["leader_changes"] == 1 and isinstance(last["messages_sent"], int)
    model = SwarmModel(n_agents=10, leader_dropout_at=50, max_steps=200, rng=1)
    summary = model.run()
    assert model.events and all(type(t) is int for t, *_ in model.events)
    assert all(type(t) is int for t, *_ in model.elections)
    assert type(summary["max_recovery_steps"]) is int and type(summary["steps"]) is int
    assert set(summary) - {"waypoints_reached"} == set(model.datacollector.model_vars) - set(
        model.datacollector.columns
    )

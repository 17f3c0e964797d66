"""One contract for every coordination mode (`sim.modes.MODES`) and every election protocol.

A mode or protocol added to its registry is checked here automatically: the model builds with
it, the mode's hooks keep their promises (`sim.modes.base.Mode`), and a protocol either replaces
a lost leader within `liveness_bound` or — "none" — says it cannot (`can_recover`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import SwarmModel, SwarmParams
from sim.components.harness import ProtocolHarness, chain, complete, liveness_bound
from sim.components.leadership import FOLLOWER
from sim.components.measurement import REPORTERS
from sim.election import PROTOCOLS
from sim.modes import MODES, load
from sim.modes.base import Mode
from sim.params import specs

N = 8
STEPS = 40  # steps of each mode's run; agent 5 drops out at DROP_AT
DROP_AT = 15
TOL = 1e-9


@pytest.fixture(scope="module", params=list(MODES))
def run(request):
    """A short run of each registered mode: (model, velocities (T, N, 2), active (T, N))."""
    model = SwarmModel(coordination=request.param, n_agents=N, rng=2)
    vel, active = [model.vel.copy()], [model.active.copy()]
    for _ in range(STEPS):
        if model.time == DROP_AT:
            model.drop_agent(5)
        model.step()
        vel.append(model.vel.copy())
        active.append(model.active.copy())
    return model, np.array(vel), np.array(active)


def test_coordination_choices_are_the_registry():
    """SwarmParams' coordination choices are exactly the registered modes, in order."""
    assert specs()["coordination"]["choices"] == tuple(MODES)


@pytest.mark.parametrize("name", list(MODES))
def test_registered_class_is_a_mode_of_that_name(name):
    """Each registry entry loads a Mode subclass whose name is its key, with a one-line doc."""
    cls = load(name)
    assert issubclass(cls, Mode) and cls.name == name
    assert MODES[name].doc and "\n" not in MODES[name].doc


@pytest.mark.parametrize("name", list(MODES))
def test_arena_is_positive(name):
    """Mode.arena gives a positive, finite side and a yes/no for wrapping edges."""
    for n in (1, 10, 400):
        size, torus = load(name).arena(SwarmParams(coordination=name, n_agents=n))
        assert math.isfinite(size) and size > 0 and isinstance(torus, bool)
    size, _ = load(name).arena(SwarmParams(coordination=name, arena_size=37.0))
    assert size == 37.0


@pytest.mark.parametrize("name", list(MODES))
def test_place_gives_finite_n_by_2_arrays(name):
    """Mode.place returns finite (N, 2) positions and velocities within max_speed."""
    model = SwarmModel(coordination=name, n_agents=N, rng=3)
    pos, vel = model.mode.place(model)
    assert pos.shape == vel.shape == (N, 2)
    assert np.isfinite(pos).all() and np.isfinite(vel).all()
    assert np.hypot(*vel.T).max() <= model.params.max_speed + TOL


def test_velocities_keep_the_limits(run):
    """Speeds stay within max_speed, and active agents change velocity by at most max_accel."""
    model, vel, active = run
    p = model.params
    assert np.hypot(vel[..., 0], vel[..., 1]).max() <= p.max_speed + TOL
    change = np.hypot(*np.diff(vel, axis=0).transpose(2, 0, 1))
    both = active[1:] & active[:-1]
    assert change[both].max() <= p.max_accel + TOL
    assert change[both].max() > 0  # the agents did move
    gone = ~active[DROP_AT + 1 :]  # dropped at DROP_AT: stopped at once and for good
    assert gone.any() and not vel[DROP_AT + 1 :][gone].any()


def test_dropout_pool_is_within_the_active_agents(run):
    """dropout_pool is a mask over the agents that never names a dropped one."""
    model, _, _ = run
    pool = model.mode.dropout_pool(model)
    assert pool.dtype == bool and pool.shape == (N,)
    assert not (pool & ~model.active).any()
    assert not model.active[4] and not pool[4]


def test_reporters_are_known_names(run):
    """A mode's own reporters are among sim.components.measurement.REPORTERS."""
    model, _, _ = run
    own = model.mode.reporters(model)
    assert set(own) <= set(REPORTERS)
    assert all(isinstance(v, float) for v in own.values())


def test_waypoint_index_is_an_int_in_range(run):
    """waypoint_index is an int between 0 and the number of waypoints."""
    model, _, _ = run
    index = model.mode.waypoint_index(model)
    assert type(index) is int and 0 <= index <= len(model.route)


@pytest.mark.parametrize("name", list(MODES))
def test_leader_flag_matches_the_leadership_component(name):
    """info.leader exactly when the model has a leadership layer; then one leader at start."""
    model = SwarmModel(coordination=name, n_agents=N, rng=1)
    assert MODES[name].leader == (model.leadership is not None)
    if MODES[name].leader:
        assert np.count_nonzero(model.is_leader) == 1 and model.leader == 0
        assert model.n_leaders == 1 and model.leader_id == 1
    else:
        assert not model.is_leader.any() and model.leader == -1 and model.election is None


@pytest.mark.parametrize("name", list(MODES))
def test_informed_modes_accept_the_informed_dropout_pool(name):
    """Informed modes expose an `informed` mask and accept dropout_pool="informed"; others don't."""
    if MODES[name].informed:
        model = SwarmModel(coordination=name, n_agents=N, dropout_pool="informed", rng=1)
        informed = model.mode.informed
        assert informed.dtype == bool and informed.shape == (N,)
        assert not (model.mode.dropout_pool(model) & ~informed).any()
    else:
        with pytest.raises(ValueError, match="dropout_pool"):
            SwarmModel(coordination=name, n_agents=N, dropout_pool="informed")


# ------------------------------------------------------------------ election protocols
PROTOCOL_NAMES = [*PROTOCOLS, "oracle"]
RAFT_ROUNDS = 3  # as in tests/test_liveness.py: raft's split votes are broken by chance


def protocol_params(name: str) -> dict:
    """SwarmParams of a protocol ("oracle": perfect information)."""
    if name == "oracle":
        return dict(election="lowest_id", information="oracle")
    return dict(election=name)


def settle_after_loss(lab: ProtocolHarness, name: str) -> tuple[int, int]:
    """Step within `liveness_bound`; (steps until settled or -1, the bound).

    `can_recover` is asked every step: once it says False no leader may appear again.
    """
    lead = lab.leadership
    reach = int(lead.knowledge.reach(lead.rows).max())
    rounds = RAFT_ROUNDS if name == "raft" else 1
    bound = liveness_bound(lab.params, max(lab.hop_diameter(), 1), reach, rounds)
    gave_up = False
    took = -1
    for k in range(1, bound + 1):
        lab.step()
        recoverable = lead.protocol.can_recover(lead)
        assert not (gave_up and (recoverable or lead.is_leader.any())), "recovered after no"
        gave_up = gave_up or not recoverable
        if took < 0 and lead.is_leader.any() and lab.settled():
            took = k
    return took, bound


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_protocol_is_named_by_its_key_with_a_one_line_doc(name):
    """Each protocol's `name` is its registry key and its `doc` one non-empty line."""
    lab = ProtocolHarness(complete(3), **protocol_params(name))
    protocol = lab.leadership.protocol
    assert protocol.name == name
    if name in PROTOCOLS:
        assert type(protocol) is PROTOCOLS[name]
    assert isinstance(protocol.doc, str) and protocol.doc.strip() and "\n" not in protocol.doc


@pytest.mark.parametrize("links", [chain(6), complete(5)], ids=["chain", "complete"])
@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_lost_leader_is_replaced_within_the_bound(name, links):
    """After the leader drops out: one new leader, followed by all, within the bound."""
    lab = ProtocolHarness(links, rng=7, **protocol_params(name))
    lab.run(30)
    lab.drop(lab.leadership.main)
    took, bound = settle_after_loss(lab, name)
    lead = lab.leadership
    if name == "none":
        assert took < 0 and not lead.elections and not lead.is_leader.any()
        assert not (lead.active & (lead.role == FOLLOWER)).any()  # everyone gave up
        assert not lead.protocol.can_recover(lead)
    else:
        assert 0 <= took <= bound, f"{name}: not settled within {bound} steps"
        assert lead.main > 0 and lead.protocol.can_recover(lead)


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_can_recover_says_what_happens_below_a_majority(name):
    """With 2 of 5 left, raft says it cannot recover and does not; others (not none) do."""
    lab = ProtocolHarness(complete(5), rng=3, **protocol_params(name))
    lab.run(30)
    for row in (0, 1, 2):  # the leader and two more
        lab.drop(row)
    took, _ = settle_after_loss(lab, name)
    lead = lab.leadership
    expect = name not in ("raft", "none")
    assert lead.protocol.can_recover(lead) == expect
    assert (took >= 0) == expect and lead.is_leader.any() == expect

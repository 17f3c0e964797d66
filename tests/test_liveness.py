"""Safety and liveness of role replacement under compound faults, on the leadership component.

The README's "What the leadership layer guarantees", checked with `ProtocolHarness`.
Safety, after every step: raft never has two leaders in one term; a follower steers only by a
heartbeat of its newest term (it never follows a belief it has given up on); roles and the
leaders' table agree. Liveness: after the last fault, every connected part of live agents (for
raft: every part holding a majority of `n_agents`) has exactly one leader that all its members
follow, within `liveness_bound` when no message is lost and within LOSSY_FACTOR times it when
up to MAX_LOSS of them are.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sim.components.harness import ProtocolHarness, liveness_bound
from sim.components.leadership import CANDIDATE, FOLLOWER, LEADER
from sim.components.timing import MAX_BACKOFF
from sim.heartbeat import key_term

MODES = ["lowest_id", "raft", "succession", "none", "oracle"]
MAX_LOSS = 0.5
LOSSY_FACTOR = 4  # under loss each stage may need a few tries (measured: up to 2x the bound)
HEARTBEATS_PER_TIMEOUT = 3  # with loss, the shortest timeout spans this many heartbeat periods
RAFT_ROUNDS = 3  # raft's split votes are broken by chance: the bound allows three rounds
EXAMPLES = 200  # per mode and test in the normal suite (two tests: 400 scenarios per mode)


def mode_params(mode: str) -> dict:
    """SwarmParams of a protocol mode ('oracle' = perfect information)."""
    if mode == "oracle":
        return dict(election="lowest_id", information="oracle")
    return dict(election=mode)


@st.composite
def groups(draw):
    """A connected link graph: a random tree plus a few extra links (3 to 12 agents)."""
    n = draw(st.integers(3, 12))
    links = [(draw(st.integers(0, i - 1)), i) for i in range(1, n)]
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    links += [(min(a, b), max(a, b)) for a, b in extra if a != b]
    return n, np.unique(np.array(links), axis=0)


@st.composite
def timings(draw, mode: str):
    """Loss, delay, heartbeat period and election timeouts within the timing rule.

    Raft's rule (heartbeat period ≪ election timeout ≪ time between faults): without loss any
    window above the heartbeat period will do; with loss at least HEARTBEATS_PER_TIMEOUT
    heartbeats fit in the shortest timeout, so one lost heartbeat does not depose a leader.
    Raft keeps ``timeout_scaling="auto"``: fixed windows narrower than the broadcast time leave it
    no liveness promise (the README says so).
    """
    loss = draw(st.one_of(st.just(0.0), st.floats(0.0, MAX_LOSS)))
    period = draw(st.integers(1, 4))
    floor = period + 1 if loss == 0 else HEARTBEATS_PER_TIMEOUT * period
    low = draw(st.integers(floor, max(floor, 20)))
    return dict(
        message_loss=loss,
        comm_delay=draw(st.integers(0, 3)),
        heartbeat_period=period,
        election_timeout_min=low,
        election_timeout_max=low + draw(st.integers(0, 20)),
        timeout_scaling="auto" if mode == "raft" else draw(st.sampled_from(["auto", "fixed"])),
    )


FAULTS = st.lists(
    st.tuples(
        st.integers(1, 60),  # steps since the previous fault
        st.sampled_from(["leader", "agent", "candidate", "elected", "cut", "heal", "jam"]),
        st.integers(0, 2**30),  # which agent / which cut / how long
    ),
    max_size=6,
)


def inject(lab: ProtocolHarness, full: np.ndarray, kind: str, arg: int, advance) -> None:
    """One fault, aimed at whoever holds the role at this moment.

    "candidate" waits (stepping with `advance`) for a campaign and drops a candidate a few steps
    into it; "elected" waits for the next win and drops the winner within a few steps of it.
    """
    lead, r = lab.leadership, np.random.default_rng(arg)
    alive = np.flatnonzero(lead.active)
    if kind == "leader" and lead.main >= 0:
        lab.drop(lead.main)
    elif kind == "agent" and len(alive) > 1:
        lab.drop(int(r.choice(alive)))
    elif kind == "candidate":
        for _ in range(300):
            if np.any(lead.active & (lead.role == CANDIDATE)):
                break
            advance()
        for _ in range(arg % 8):
            advance()
        standing = np.flatnonzero(lead.active & (lead.role == CANDIDATE))
        if not len(standing):
            return
        lab.drop(int(r.choice(standing)))
    elif kind == "elected":
        won = len(lead.elections)
        for _ in range(300):
            if len(lead.elections) > won:
                break
            advance()
        for _ in range(arg % 6):
            advance()
        if len(lead.elections) == won or not lead.active[lead.elections[-1][1] - 1]:
            return
        lab.drop(lead.elections[-1][1] - 1)
    elif kind == "cut":  # a partition: links between two random sides go down
        side = r.random(lead.n) < 0.5
        lab.set_links(full[side[full[:, 0]] == side[full[:, 1]]])
    elif kind == "heal":
        lab.set_links(full)
    elif kind == "jam":
        lab.jam(int(r.integers(1, 40)))
    else:
        return
    event(f"fault: {kind}")


def check_safety(lab: ProtocolHarness, mode: str) -> None:
    """What must hold after every step."""
    lead = lab.leadership
    if mode == "raft":
        for term, winners in lab.winners_per_term().items():
            assert len(winners) == 1, f"term {term} won by rows {sorted(winners)}"
    following = lead.active & (lead.role == FOLLOWER)
    assert np.all(key_term(lead.belief[following]) == lead.term[following])
    leading = set(np.flatnonzero(lead.role == LEADER).tolist())
    assert leading == set(lead.leaders), (leading, set(lead.leaders))
    assert all(lead.active[row] for row in lead.leaders)


def must_settle(lab: ProtocolHarness, mode: str) -> list[np.ndarray]:
    """The parts of live agents the liveness property speaks of."""
    if mode == "none":
        return []
    if mode == "oracle":  # perfect information: the whole live group, links or not
        return [np.flatnonzero(lab.leadership.active)]
    majority = lab.params.n_agents // 2 + 1
    parts = lab.parts()
    return [rows for rows in parts if mode != "raft" or len(rows) >= majority]


def stable_period(lab: ProtocolHarness, mode: str) -> tuple[int, int]:
    """Run the stable period after the last fault; (steps until settled, the bound allowed)."""
    lead = lab.leadership
    reach = int(lead.knowledge.reach(lead.rows).max())
    hops = max(lab.hop_diameter(), 1)
    rounds = RAFT_ROUNDS if mode == "raft" else 1
    backoff = 2 ** int(min(lead.timing.attempts[lead.active].max(initial=0), MAX_BACKOFF))
    bound = liveness_bound(lab.params, hops, reach, rounds, backoff)
    if lab.params.message_loss > 0:
        bound *= LOSSY_FACTOR
    start = lab.time
    while lab.time - start < bound:
        lab.step()
        check_safety(lab, mode)
        if mode != "none" and all(lab.part_settled(rows) for rows in must_settle(lab, mode)):
            return lab.time - start, bound
    return -1, bound


def check_liveness(lab: ProtocolHarness, mode: str) -> None:
    """After the last fault the group settles within the bound (none: nobody takes over)."""
    elections = len(lab.leadership.elections)
    took, bound = stable_period(lab, mode)
    if mode == "none":  # nobody takes over, and nobody keeps following a leader it cannot hear
        assert len(lab.leadership.elections) == elections == 0
        for rows in lab.parts():
            if not len(lab.leaders_of(rows)):
                assert not np.any(lab.leadership.role[rows] == FOLLOWER)
        return
    assert took >= 0, f"{mode}: not settled within {bound} steps of the last fault"


def run_schedule(mode: str, data) -> None:
    """A random graph, timing and fault cascade: safe at every step, settled after the last."""
    n, links = data.draw(groups())
    params = data.draw(timings(mode))
    faults = data.draw(FAULTS)
    lab = ProtocolHarness(
        links, n, rng=data.draw(st.integers(0, 2**31)), **mode_params(mode), **params
    )

    def advance():
        lab.step()
        check_safety(lab, mode)

    for gap, kind, arg in faults:
        for _ in range(gap):
            advance()
        inject(lab, links, kind, arg, advance)
    while lab.time < lab.last_fault:  # a blackout ends after its last jammed step
        lab.step()
        check_safety(lab, mode)
    check_liveness(lab, mode)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fault_schedules_keep_safety_and_settle(mode, data):
    """Random graphs, timings and fault cascades: safe at every step, settled after the last."""
    run_schedule(mode, data)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_many_more_fault_schedules(mode, data):
    """The same property over many more schedules (the slow suite)."""
    run_schedule(mode, data)


class LeadershipMachine(RuleBasedStateMachine):
    """Drive the leadership component step by step; faults at any moment, checks after each."""

    mode = "raft"

    def __init__(self) -> None:
        super().__init__()
        self.lab: ProtocolHarness | None = None

    @precondition(lambda self: self.lab is None)
    @rule(group=groups(), seed=st.integers(0, 2**31), data=st.data())
    def start(self, group, seed, data):
        n, links = group
        self.links = links
        params = data.draw(timings(self.mode))
        self.lab = ProtocolHarness(links, n, rng=seed, **mode_params(self.mode), **params)

    def advance(self):
        self.lab.step()
        check_safety(self.lab, self.mode)

    @precondition(lambda self: self.lab is not None)
    @rule(steps=st.integers(1, 40))
    def run(self, steps):
        for _ in range(steps):
            self.advance()

    @precondition(lambda self: self.lab is not None)
    @rule(
        kind=st.sampled_from(["leader", "agent", "candidate", "elected"]), arg=st.integers(0, 2**30)
    )
    def drop(self, kind, arg):
        inject(self.lab, self.links, kind, arg, self.advance)

    @precondition(lambda self: self.lab is not None)
    @rule(arg=st.integers(0, 2**30))
    def partition(self, arg):
        inject(self.lab, self.links, "cut", arg, self.advance)

    @precondition(lambda self: self.lab is not None)
    @rule()
    def merge(self):
        inject(self.lab, self.links, "heal", 0, self.advance)

    @precondition(lambda self: self.lab is not None)
    @rule(arg=st.integers(0, 2**30))
    def jam(self, arg):
        inject(self.lab, self.links, "jam", arg, self.advance)

    @invariant()
    def safe(self):
        if self.lab is not None:
            check_safety(self.lab, self.mode)

    def teardown(self):
        if self.lab is None:
            return
        while self.lab.time < self.lab.last_fault:
            self.lab.step()
        check_liveness(self.lab, self.mode)


def machine(mode: str):
    """The state machine's TestCase for one mode."""
    cls = type(f"{mode.title()}Machine", (LeadershipMachine,), {"mode": mode})
    case = cls.TestCase
    case.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    return case


TestLowestIdMachine = machine("lowest_id")
TestRaftMachine = machine("raft")
TestSuccessionMachine = machine("succession")
TestNoneMachine = machine("none")
TestOracleMachine = machine("oracle")


def test_stalled_round_is_retried_in_a_newer_term():
    """lowest_id: the lowest id drops out mid-election; a newer round elects the next one."""
    lab = ProtocolHarness(
        np.array([[0, 1], [1, 2], [2, 3], [3, 4]]), election="lowest_id", rng=3, comm_delay=1
    )
    lab.run(30)
    lab.drop(0)  # the leader
    while not np.any(lab.leadership.role == CANDIDATE):
        lab.step()
    lab.run(3)
    lab.drop(1)  # the lowest live id, while its round floods
    lab.run(300)
    assert lab.settled()
    terms = [term for _, _, term in lab.leadership.elections]
    assert lab.leadership.main == 2 and terms[-1] >= 3


def test_property_checks_catch_a_stuck_group():
    """The liveness check fails on a group that cannot recover (the check can fail)."""
    lab = ProtocolHarness(np.array([[0, 1], [1, 2]]), election="none", rng=0)
    lab.run(20)
    lab.drop(0)
    with pytest.raises(AssertionError):
        check_liveness(lab, "lowest_id")


def test_raft_candidates_that_stand_together_draw_apart():
    """Two hubs time out in the same step, with election_timeout_min = max and no B measured yet.

    Found by the property test on a fresh machine: hub 1 owns the votes of two leaves, hub 0 of
    the rest, neither holds a majority alone. With a round window one step wide the hubs stood
    together in every round and split the vote for ever; the window is now at least [T, 2T].
    """
    hubs = np.array(
        [[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 8], [1, 2], [1, 7], [1, 9]]
    )
    timing = dict(heartbeat_period=1, election_timeout_min=2, election_timeout_max=2)
    settled = 0
    for seed in range(6):
        lab = ProtocolHarness(hubs, election="raft", rng=seed, comm_delay=1, **timing)
        lab.run(5)
        lab.drop(5)  # one leaf gone: hub 0 and its leaves are one vote short of a majority
        lab.jam(34)  # a blackout deposes the leader; someone else wins after it
        won = len(lab.leadership.elections)
        while len(lab.leadership.elections) == won:
            lab.step()
        lab.step()
        lab.drop(lab.leadership.elections[-1][1] - 1)  # the first winner, a step after it won
        took, bound = stable_period(lab, "raft")
        settled += took >= 0
    assert settled == 6

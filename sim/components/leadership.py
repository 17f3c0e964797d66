"""Leadership: who leads, who follows, and how a lost leader is replaced.

The component owns every piece of leadership state — each agent's role, term and belief (the
freshest heartbeat it adopted), its election timer, the leaders' terms and slot tables, and the
election protocol's own state (`sim.election`) — and talks to the rest of the model through a
narrow interface:

- in: `step(t)` once per step, after the network has linked this step's positions;
  `drop(row, t)` when an agent drops out;
- out: `role` and `following` (who steers by a leader), `main` (the main leader's row),
  `knowledge` (each follower's believed leader and slot), `slot_table`, the counters
  `changes` / `spurious` / `elections`, events through `Hooks.log` and role changes through
  `Hooks.took_over`.

Roles (`ROLES`): a *follower* steers by the leader it believes; an agent that has given up on its
leader — it *suspects* it is lost, stands as a *candidate*, or has *voted* — steers by no leader
at all (the motion rule, `sim.motion`); a *leader* flies the route. Only a heartbeat of a term at
least as new as the agent's own makes it a follower again, so nobody steers by a belief it has
given up on.

How long agents wait before they give up on a leader or an election round is `Timing`'s
(`sim.components.timing`): Raft's rule, broadcast time ≪ election timeout, for groups many hops
wide. Two things a leader learns from its members' acknowledgements are modelled without
simulating them: which members are gone (noticed `election_timeout_min` steps after they drop
out) and the group's broadcast time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import election
from sim.arrays import count_nonzero
from sim.components.timing import Timing
from sim.heartbeat import STILL, Knowledge, beacon_key, dominance, key_row, key_term, key_time
from sim.wording import count

# (`settled` relies on FOLLOWER = 0 and LEADER = 4: the two with their low two bits clear)
FOLLOWER, SUSPECT, CANDIDATE, VOTED, LEADER = range(5)
ROLES = ("follower", "suspecting", "candidate", "voted", "leader")
FORGET_EVERY = 200  # steps between clean-ups of beacons nobody believes any more


class Hooks:
    """What leadership asks of the rest of the model; the defaults suit agents that never move."""

    def flight(self, row: int) -> tuple:
        """The leader's flight to put in its beacon (`sim.heartbeat.FLIGHT_FIELDS`)."""
        return STILL

    def took_over(self, row: int, serial: int) -> None:
        """`row` became a leader; `serial` is the beacon it believed (-1: none)."""

    def stood_down(self, row: int) -> None:
        """`row` is no longer a leader (it stepped down or dropped out)."""

    def assign(self, row: int, members: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Slots for the member rows of leader `row`, given their old slots (-1: none)."""
        rank = np.where(old >= 0, old, len(old) + members)
        out = np.empty(len(members), dtype=np.int64)
        out[np.argsort(rank, kind="stable")] = np.arange(len(members))
        return out

    def log(self, kind: str, row: int, detail: str) -> None:
        """Record an event about agent `row` (-1: the group)."""


@dataclass
class LeaderTerm:
    """What a leader holds as leader: its term, since when, its slot table, its group's reach."""

    term: int
    since: int  # step it became leader
    slot_version: int
    reach: int = 0  # broadcast time B of its group (steps), announced in its beacons


class Leadership:
    """Beliefs, timers, terms, detection, slot tables and the election protocol of a group.

    Args:
        params: the run's `SwarmParams` (n_agents, election, information, timing fields).
        network: the `sim.components.network.Network` every message goes through.
        rng: the model's generator.
        hooks: the rest of the model (`Hooks`).
        leader: row of the initial leader (term 1), or None to start without one.
    """

    def __init__(self, params, network, rng, hooks: Hooks | None = None, leader: int | None = 0):
        self.params = params
        self.n = n = params.n_agents
        self.network = network
        self.rng = rng
        self.hooks = hooks or Hooks()
        self.rows = np.arange(n)
        self.active = np.ones(n, dtype=bool)
        self.dropped_at = np.full(n, -1, dtype=np.int64)
        self.role = np.full(n, FOLLOWER, dtype=np.int8)
        self.term = np.zeros(n, dtype=np.int64)  # newest term each agent has heard of
        self.belief = np.full(n, -1, dtype=np.int64)  # key of the beacon it believes
        self.latency = np.zeros(n, dtype=np.int64)  # steps that beacon took to reach it
        # Last step each agent made progress: heard a fresher heartbeat, voted, stood, joined a
        # round. Silence is measured from *receipt*, so relay latency is not mistaken for loss.
        self.timer = np.zeros(n, dtype=np.int64)
        # Timers start with the first heartbeat an agent hears after the start.
        self.armed = np.zeros(n, dtype=bool)
        self.relay = np.zeros(n, dtype=bool)  # adopted a beacon it has not relayed yet
        self.knowledge = Knowledge(n)
        self.timing = Timing(self)
        self.leaders: dict[int, LeaderTerm] = {}
        self.slot_maps: dict[int, np.ndarray] = {}
        self.main = -1  # the main leader: highest term, then lowest id (-1: none)
        self.elections: list[tuple[int, int, int]] = []  # (time, unique_id, term) of each win
        self.changes = 0  # leaders elected after the first
        self.spurious = 0  # live leaders deposed because their heartbeats were lost
        self._detected: set[tuple[int, int]] = set()
        self._checked: dict[int, tuple[int, int]] = {}  # see _notice_dropouts
        self._had_leader = leader is not None
        self.time = 0
        self.oracle = params.information == "oracle"
        self.protocol = election.create(params.election, self.oracle, n, rng)
        if leader is not None:
            self._start(leader)

    # ------------------------------------------------------------------ the step
    def step(self, t: int) -> None:
        """One step: heartbeats, relaying, detection, then the election protocol."""
        self.time = t
        if self.oracle:
            self.protocol.step(self, t)
            self._tell_everyone(t)
            return
        self._emit(t)
        self._relay(t)
        self._detect(t)
        self.protocol.step(self, t)

    def drop(self, row: int, t: int) -> bool:
        """Agent `row` drops out; True if it was a leader."""
        self.active[row] = False
        self.dropped_at[row] = t
        if row not in self.leaders:
            return False
        del self.leaders[row]
        self.role[row] = SUSPECT
        self.hooks.stood_down(row)
        self._update_main()
        return True

    # ------------------------------------------------------------------ queries
    @property
    def following(self) -> np.ndarray:
        """Active agents that steer by the leader they believe."""
        return self.active & (self.role == FOLLOWER)

    @property
    def settled(self) -> bool:
        """No active agent suspects, campaigns or has voted (all follow or lead)."""
        # FOLLOWER (0) and LEADER (4) are the roles whose two low bits are clear
        return not count_nonzero((self.role & 3) * self.active)

    @property
    def is_leader(self) -> np.ndarray:
        """Active leaders (a partition can have one per part)."""
        return self.active & (self.role == LEADER)

    def slot_table(self, row: int) -> np.ndarray:
        """Slot of every row in leader `row`'s current table (-1: none)."""
        return self.slot_maps[self.leaders[row].slot_version]

    def reachable(self, row: int) -> np.ndarray:
        """Active agents with a link path to `row`."""
        return self.network.reachable(row)

    def believers(self, row: int) -> np.ndarray:
        """Active agents that follow leader `row` in its current term (the leader included)."""
        key = beacon_key(self.leaders[row].term, row, 0)
        mine = dominance(self.belief) == dominance(key)
        mine &= self.following
        mine[row] = True
        return mine

    # ------------------------------------------------------------------ verbs of the protocols
    def become_leader(self, row: int, term: int, detail: str, t: int) -> None:
        """Make `row` a leader of `term`: it reassigns slots and sends a heartbeat at once."""
        if not self.active[row]:
            return
        serial = int(self.knowledge.src[row])
        reach = int(self.knowledge.reach(np.array([row]))[0])
        self.leaders[row] = LeaderTerm(term=term, since=t, slot_version=-1, reach=reach)
        self.role[row] = LEADER
        self.term[row] = max(int(self.term[row]), term)
        if self._had_leader:
            self.changes += 1
        self._had_leader = True
        self.latency[row] = 0
        self.elections.append((int(t), row + 1, term))
        self.hooks.log("leader_elected", row, detail)
        self.hooks.took_over(row, serial)
        self._update_main()
        members = self.reachable(row) & (self.rows != row)
        self._assign_slots(row, members)
        self._emit_one(row, t)

    def hear_term(self, rows: np.ndarray, terms: np.ndarray, source: str, t: int) -> None:
        """Agents learn of a newer term; a leader of an older term steps down (Raft's rule)."""
        newer = terms > self.term[rows]
        self.term[rows[newer]] = terms[newer]
        for row in rows[newer & (self.role[rows] == LEADER)].tolist():
            self.spurious += 1
            self.step_down(row, f"heard {source} for a newer term", t)

    def step_down(self, row: int, detail: str, t: int) -> None:
        """Leader `row` stops leading; it follows nobody until it hears a leader or votes."""
        self.leaders.pop(row, None)
        self.role[row] = SUSPECT
        self.timer[row] = t
        self.hooks.stood_down(row)
        self._update_main()
        self.hooks.log("leader_stepped_down", row, detail)

    def announce(self, term: int, row: int) -> None:
        """Log election_started once per term."""
        if term not in self.protocol.started:
            self.protocol.started.add(term)
            self.hooks.log("election_started", row, f"{self.protocol.name}, term {term}")

    # ------------------------------------------------------------------ heartbeats
    def _start(self, leader: int) -> None:
        """The initial leader (term 1) and its first heartbeat, known to all."""
        slots = np.full(self.n, -1, dtype=np.int64)
        others = self.rows != leader
        slots[others] = np.arange(self.n - 1)
        self.slot_maps[0] = slots
        # Before the mission the group measured each member's heartbeat latency, and so its
        # broadcast time, as the leader's acknowledgements tell it later on.
        hops = self.network.hops_from(leader)
        self.latency[:] = np.maximum(hops, 0) * (1 + self.network.delay)
        reach = int(self.latency.max())
        self.leaders[leader] = LeaderTerm(term=1, since=0, slot_version=0, reach=reach)
        self.role[leader] = LEADER
        self.term[:] = 1
        self.main = leader
        self._emit_one(leader, 0)
        self.belief[:] = self.belief[leader]
        self.knowledge.learn(self.rows, self.belief, self.slot_maps)
        self.relay[:] = False

    def _emit(self, t: int) -> None:
        """Leaders whose heartbeat is due broadcast a beacon."""
        period = self.params.heartbeat_period
        for row, lead in self.leaders.items():
            if (t - lead.since) % period == 0:
                self._emit_one(row, t)
        if t % FORGET_EVERY == 0:
            self._forget()

    def _emit_one(self, row: int, t: int) -> None:
        lead = self.leaders[row]
        self._notice_dropouts(row, lead)
        if t > lead.since and self.params.timeout_scaling == "auto":
            lead.reach = int(np.maximum.reduce(self.latency[self.believers(row)]))
        key = beacon_key(lead.term, row, t)
        self.knowledge.add(key, t, self.hooks.flight(row), lead.slot_version, lead.reach)
        self.belief[row] = key
        self.knowledge.learn(self.rows[row : row + 1], self.belief[row : row + 1], self.slot_maps)
        self.relay[row] = True

    def _relay(self, t: int) -> None:
        """Beacons travel one hop; agents adopt the fresher ones of a term no older than theirs."""
        net = self.network
        net.broadcast("heartbeat", t, self.relay, self.belief)
        self.relay[:] = False
        rows, keys, _ = net.deliver("heartbeat", t)
        if not len(rows):
            return
        terms = key_term(keys)
        fresh = (keys > self.belief[rows]) & (terms >= self.term[rows])
        if count_nonzero(fresh) < len(fresh):
            rows, keys, terms = rows[fresh], keys[fresh], terms[fresh]
        if not len(rows):
            return
        leading = self.role[rows] == LEADER  # only a dominant leader's beacon is fresher
        if count_nonzero(leading):
            for row, key in zip(rows[leading].tolist(), keys[leading].tolist(), strict=True):
                winner = int(key_row(key))
                self.step_down(row, f"yields to agent {winner + 1} (term {int(key_term(key))})", t)
                self.hooks.log("merge", row, f"two leaders met: agent {winner + 1} remains")
        self._adopt(rows, keys, terms, t)

    def _adopt(self, rows: np.ndarray, keys: np.ndarray, terms: np.ndarray, t: int) -> None:
        """`rows` adopt fresher beacons `keys` of `terms` no older than their own."""
        self.belief[rows] = keys
        self.knowledge.learn(rows, keys, self.slot_maps)
        self.timer[rows] = t
        self.latency[rows] = (t + 1) - key_time(keys)  # hops·(1 + delay): a hop takes a step
        self.armed[rows] = True
        self.relay[rows] = True
        self.timing.heard_leader(rows)
        self.term[rows] = terms  # (never older than the agent's own: see _relay)
        self.role[rows] = FOLLOWER
        self.protocol.on_leader_heard(self, rows)

    def _tell_everyone(self, t: int) -> None:
        """Oracle: every agent knows the main leader's state of this very step."""
        lead = self.main
        if lead < 0:
            return
        self._emit_one(lead, t)
        follow = self.active & (self.role != LEADER)
        rows = np.flatnonzero(follow)
        self.belief[rows] = self.belief[lead]
        self.knowledge.learn(rows, self.belief[rows], self.slot_maps)
        self.term[rows] = self.leaders[lead].term
        self.role[rows] = FOLLOWER
        self.relay[:] = False

    def _detect(self, t: int) -> None:
        """Followers whose leader has been silent longer than their timeout suspect it is lost."""
        quiet = self.timing.overdue(t)  # (rarely anyone: the follower mask only then)
        if not count_nonzero(quiet):
            return
        quiet &= self.following
        if not count_nonzero(quiet):
            return
        rows = quiet.nonzero()[0]
        silence = t - self.timer[rows]
        _, hi = self.timing.detect_window(rows)
        # An agent that never heard a relayed beacon since the start (the far end of a long
        # chain, or a leader lost at once) still suspects after twice the longest timeout.
        armed = self.armed[rows] | (silence > 2 * hi)
        new = rows[armed & (silence > self.timing.timeout(rows))]
        if not len(new):
            return
        self.role[new] = SUSPECT
        first = int(new[0])
        for leader in np.unique(key_row(self.belief[new])).tolist():
            key = (leader, int(key_term(self.belief[first])))
            if key not in self._detected:
                self._detected.add(key)
                quiet_for = int(t - self.timer[first])
                detail = f"no heartbeat from agent {leader + 1} for {count(quiet_for, 'step')}"
                self.hooks.log("leader_lost_detected", first, detail)

    def _forget(self) -> None:
        known = self.belief[self.belief >= 0]
        self.knowledge.forget(set(known.tolist()))

    # ------------------------------------------------------------------ slots
    def _notice_dropouts(self, row: int, lead: LeaderTerm) -> None:
        """A leader notices members whose acknowledgements stopped election_timeout_min ago."""
        checked = (lead.slot_version, int(count_nonzero(self.active)))
        if self._checked.get(row) == checked or lead.slot_version < 0:
            return  # no member of this slot table has dropped out (same table, same dropouts)
        slots = self.slot_maps[lead.slot_version]
        gone = (slots >= 0) & ~self.active
        if not gone.any():
            self._checked[row] = checked
            return
        gone &= self.time - self.dropped_at >= self.params.election_timeout_min
        if gone.any():
            self._assign_slots(row, (slots >= 0) & ~gone)

    def _assign_slots(self, row: int, members: np.ndarray) -> None:
        """The leader refills its formation among `members` and announces a new slot table."""
        lead = self.leaders[row]
        old = self.slot_maps.get(lead.slot_version)
        if old is None:
            old = self.slot_maps.get(0, np.full(self.n, -1, dtype=np.int64))
        rows = np.flatnonzero(members)
        new = np.full(self.n, -1, dtype=np.int64)
        if len(rows):
            new[rows] = self.hooks.assign(row, rows, old[rows])
        version = max(self.slot_maps, default=-1) + 1
        self.slot_maps[version] = new
        lead.slot_version = version
        moved = int(count_nonzero(new[rows] != old[rows]))
        detail = f"{moved} moved, {count(len(rows), 'member')} ({self.params.slot_assignment})"
        self.hooks.log("slot_reassigned", row, detail)

    def _update_main(self) -> None:
        live = [r for r in self.leaders if self.active[r]]
        self.main = min(live, key=lambda r: (-self.leaders[r].term, r)) if live else -1

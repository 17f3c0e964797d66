"""A protocol lab: run the leadership layer on a link graph you choose, without a SwarmModel.

Agents here never move. You give the links (undirected pairs of rows) and change them when you
like (a partition, a merge), drop agents at any moment, and step. Loss, delay, blackouts and every
message count work exactly as in the model, because the same `Network` and `Leadership` run.

    >>> lab = ProtocolHarness(chain(6), election="raft", rng=1)
    >>> lab.run(40)
    >>> lab.drop(lab.leadership.main)
    >>> lab.run(200)
    >>> lab.settled()          # one leader per part, followed by every member
    True

`liveness_bound` gives the number of steps after the last fault within which the README's
liveness property promises a settled group (see its docstring).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from sim.components.leadership import FOLLOWER, LEADER, Hooks, Leadership
from sim.components.network import Network
from sim.heartbeat import key_row, key_term
from sim.params import SwarmParams


def chain(n: int) -> np.ndarray:
    """Links of a path 0 – 1 – … – n−1 (hop diameter n − 1)."""
    return np.column_stack([np.arange(n - 1), np.arange(1, n)])


def ring(n: int) -> np.ndarray:
    """Links of a cycle of n agents."""
    return np.column_stack([np.arange(n), (np.arange(n) + 1) % n])


def complete(n: int) -> np.ndarray:
    """Links between every pair of n agents."""
    i, j = np.triu_indices(n, 1)
    return np.column_stack([i, j])


def hop_diameter(pairs: np.ndarray, rows: np.ndarray) -> int:
    """Largest hop distance between two of `rows` over the links `pairs` (0: fewer than two).

    Links with an end outside `rows` are left out; distances between unlinked parts are too.
    """
    if len(rows) < 2:
        return 0
    inside = np.isin(pairs[:, 0], rows) & np.isin(pairs[:, 1], rows)
    local = np.searchsorted(rows, pairs[inside]).reshape(-1, 2)
    m = len(rows)
    adj = coo_matrix((np.ones(len(local)), (local[:, 0], local[:, 1])), shape=(m, m)).tocsr()
    d = shortest_path(adj, directed=False, unweighted=True)
    return int(d[np.isfinite(d)].max())


def part_settled(lead: Leadership, rows: np.ndarray) -> bool:
    """Exactly one leader among `rows`, and every other one follows it in its term (empty: True)."""
    if not len(rows):
        return True
    heads = rows[lead.role[rows] == LEADER]
    if len(heads) != 1:
        return False
    head = int(heads[0])
    term = lead.leaders[head].term
    others = rows[rows != head]
    belief = lead.belief[others]
    return bool(
        np.all(lead.role[others] == FOLLOWER)
        & np.all(key_row(belief) == head)
        & np.all(key_term(belief) == term)
    )


class _Recorder(Hooks):
    def __init__(self, lab: ProtocolHarness) -> None:
        self.lab = lab

    def log(self, kind: str, row: int, detail: str) -> None:
        self.lab.events.append((self.lab.time, kind, row, detail))


class ProtocolHarness:
    """The leadership layer of `n` motionless agents on the given links.

    Args:
        links: undirected links (pairs of rows).
        n: number of agents (default: one more than the largest row in `links`).
        rng: seed of the run's generator (the only source of randomness).
        leader: row of the initial leader (term 1), or None to start without one.
        **params: `SwarmParams` fields (election, message_loss, comm_delay, heartbeat_period,
            election_timeout_min/max, timeout_scaling, information, ...).
    """

    def __init__(
        self, links, n: int | None = None, *, rng: int = 0, leader: int | None = 0, **params
    ) -> None:
        links = np.asarray(links, dtype=np.intp).reshape(-1, 2)
        n = int(n if n is not None else links.max() + 1)
        self.params = SwarmParams.build(n_agents=n, **params)
        self.rng = np.random.default_rng(rng)
        p = self.params
        self.network = Network(
            n, comm_range=1.0, message_loss=p.message_loss, delay=p.comm_delay, rng=self.rng
        )
        self.time = 0
        self.events: list[tuple[int, str, int, str]] = []
        self.links = links
        self.network.set_links(links)
        self.leadership = Leadership(p, self.network, self.rng, _Recorder(self), leader=leader)
        self.network.set_links(links, self.leadership.active)
        self.last_fault = 0

    # ------------------------------------------------------------------ faults and steps
    def set_links(self, links) -> None:
        """Replace the link graph (a partition, a merge, a new shape)."""
        self.links = np.asarray(links, dtype=np.intp).reshape(-1, 2)
        self.network.set_links(self.links, self.leadership.active)
        self.last_fault = max(self.last_fault, self.time)

    def drop(self, row: int) -> None:
        """Agent `row` drops out now."""
        if self.leadership.active[row]:
            self.leadership.drop(int(row), self.time)
            self.network.set_links(self.links, self.leadership.active)
            self.last_fault = max(self.last_fault, self.time)

    def jam(self, steps: int) -> None:
        """Lose every message for the next `steps` steps."""
        self.network.jam(self.time, steps)
        self.last_fault = max(self.last_fault, self.time + steps)

    def step(self) -> None:
        """Advance one step."""
        self.time += 1
        self.leadership.step(self.time)

    def run(self, steps: int) -> None:
        """Advance `steps` steps."""
        for _ in range(steps):
            self.step()

    # ------------------------------------------------------------------ what holds
    def parts(self) -> list[np.ndarray]:
        """The live agents of each connected part of the link graph."""
        lead = self.leadership
        labels = self.network.labels()
        return [np.flatnonzero(labels == k) for k in np.unique(labels[lead.active])]

    def hop_diameter(self) -> int:
        """Largest hop distance between two live agents of one part."""
        return hop_diameter(self.network.pairs, np.flatnonzero(self.leadership.active))

    def leaders_of(self, rows: np.ndarray) -> np.ndarray:
        """Leaders among `rows`."""
        return rows[self.leadership.role[rows] == LEADER]

    def part_settled(self, rows: np.ndarray) -> bool:
        """Exactly one leader among `rows`, and every other one follows it in its term."""
        return part_settled(self.leadership, rows)

    def settled(self) -> bool:
        """Every connected part of live agents is settled (`part_settled`)."""
        return all(self.part_settled(rows) for rows in self.parts())

    def winners_per_term(self) -> dict[int, set[int]]:
        """Every agent that won each term."""
        out: dict[int, set[int]] = {}
        for _, uid, term in self.leadership.elections:
            out.setdefault(term, set()).add(uid - 1)
        return out


def liveness_bound(
    params: SwarmParams, hops: int, reach: int, rounds: int = 1, backoff: int = 1
) -> int:
    """Steps after the last fault within which a connected group settles (loss = 0).

    The README's liveness property, per protocol, for a connected set of live agents with hop
    diameter `hops` (a hop takes 1 + comm_delay steps, so a flood takes F = hops·(1 + delay)),
    heartbeat period h and broadcast time B = `reach` (the largest a leader announced). With
    ``timeout_scaling="auto"`` a follower's detection window is at most [min + 2B, max + 2B]
    and a round's [lo, hi] = [min + 2B, max(max + 4B, 2·lo)]·b (b = `backoff`, the doubling the
    windows had reached at the last fault; voters wait up to 2·hi); with "fixed" every window
    is [min, max].

    - detection: within 2·hi_detect + h + F every follower of a lost leader has given up on it
      (twice the window if the leader was lost before its first relayed heartbeat arrived:
      timers start with that heartbeat);
    - ``lowest_id``: a round stalled by a lost candidate restarts within lo + 2·hi, a round
      floods in F and settles in lo (twice: the stalled round and the next), and the winner's
      heartbeat floods in F;
    - ``succession``: the k-th in line waits lo + (k − 1)·hi, k ≤ n;
    - ``raft``: the voters of a stalled round stand within 2·hi; a round takes at most hi + 2F,
      and randomised timeouts make it succeed with a probability that grows with the window's
      width — `rounds` rounds are allowed for, each with a doubled window (backoff);
    - ``oracle``: one step; ``none``: detection only (nobody takes over).
    """
    p = params
    flood = hops * (1 + p.comm_delay)
    lo, hi = p.election_timeout_min, p.election_timeout_max
    auto = p.timeout_scaling == "auto"
    hi_detect = hi + 2 * reach if auto else hi
    lo_r = (lo + 2 * reach) * backoff if auto else lo
    hi_r = max(hi + 4 * reach, 2 * (lo + 2 * reach)) * backoff if auto else hi
    detect = 2 * hi_detect + p.heartbeat_period + flood
    announce = flood + p.heartbeat_period  # the winner's first heartbeats reach everyone
    if p.information == "oracle":
        return 1
    if p.election == "lowest_id":
        return detect + (lo_r + 2 * hi_r) + 2 * (flood + lo_r) + announce
    if p.election == "succession":
        return detect + lo_r + (p.n_agents - 1) * hi_r + announce
    if p.election == "raft":
        tries = sum((2**k if auto else 1) * hi_r + 2 * flood for k in range(rounds))
        return detect + 2 * hi_r + tries + announce
    return detect

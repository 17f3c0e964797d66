"""The network: who can talk to whom this step, and every message that crosses a link.

Each step, after faults and before anyone speaks, the network links the live agents that are
within `comm_range` of each other (a unit-disk graph, from this step's positions). A radio keeps
at most `max_links` neighbours — the nearest, as SwarmLab caps neighbours — so a dense group
costs O(N · max_links) memory and work, never O(N²): an agent linked to more than `max_links`
others keeps only the links that are among the `max_links` nearest of at least one end.

Every message of the model — heartbeats, election messages, votes — goes through a channel of
this network, so loss (`message_loss`, plus robotsim's distance term), delay (`comm_delay`) and
blackouts apply to all of them alike, and each message is counted once when sent and once when
it reaches a receiver that is still active (`counts`).

The pairs of agents found within `reach` (≥ comm_range) are kept with their distances for the
step (`prox`), so motion and measurement reuse the one neighbour query.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import cKDTree

from sim import comms, metrics
from sim.neighbours import (
    both_directions,
    cap_dense,
    cap_pairs,
    dense_d2,
    nearest_links,
    pair_vectors,
    wrap,
)
from sim.sizes import DENSE_DISTANCES_MAX_N
from sim.traffic import CHANNEL_KINDS, Traffic

KNN_SAMPLE = 64  # agents sampled to see whether the link cap binds before listing all pairs


@dataclass
class Proximity:
    """One neighbour query: which active rows, where they were (as bytes), and the pairs found.

    Small groups (≤ `Network.dense_max`) keep the full squared-distance matrix `d2`; larger ones
    keep `pairs` (indices into `rows`, i < j) within `Network.reach` and their distances `dist`
    (None when the group is so dense that only each agent's nearest neighbours were listed).
    """

    rows: np.ndarray
    where: bytes  # their positions' bytes: the query stands while these are unchanged
    d2: np.ndarray | None = None
    pairs: np.ndarray | None = None
    dist: np.ndarray | None = None
    subsets: list | None = None  # (radius, pairs, dist) that `within` found

    def within(self, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """Pairs closer than `radius` (≤ reach) and their distances, in the order of all pairs.

        From the smallest subset found so far that holds them (the contacts serve the braking).
        """
        pairs, dist = self.pairs, self.dist
        self.subsets = self.subsets or []
        for r, p, d in self.subsets:
            if radius <= r and len(p) < len(pairs):
                pairs, dist = p, d
        keep = dist < radius
        found = np.compress(keep, pairs, axis=0), np.compress(keep, dist)  # (faster than [keep])
        self.subsets.append((radius, *found))
        return found


class Network:
    """Links, loss, delay and blackouts, and the channels every message travels on.

    Args:
        n: number of agents (rows).
        comm_range: links exist only within this distance (m).
        message_loss: probability that any one message is lost.
        distance_loss: robotsim's extra loss, `distance_loss · (d / comm_range)²`.
        delay: steps a message takes.
        rng: the model's generator (the only source of randomness).
        box: side of the arena when it wraps (periodic), else None.
        max_links: most neighbours a radio keeps (the nearest).
        reach: radius of the neighbour query when larger than comm_range (motion reuses it).
        dense_max: up to this many active agents, distances come from a full matrix.
    """

    def __init__(
        self,
        n: int,
        *,
        comm_range: float,
        message_loss: float,
        delay: int,
        rng: np.random.Generator,
        distance_loss: float = 0.0,
        box: float | None = None,
        max_links: int = 128,
        reach: float = 0.0,
        dense_max: int = DENSE_DISTANCES_MAX_N,
    ) -> None:
        self.n = n
        self.comm_range = comm_range
        self.message_loss = message_loss
        self.distance_loss = distance_loss
        self.delay = delay
        self.rng = rng
        self.box = box
        self.max_links = max_links
        self.reach = max(comm_range, reach)
        self.dense_max = dense_max
        self.active = np.ones(n, dtype=bool)
        self.pairs = np.zeros((0, 2), dtype=np.intp)  # undirected links (rows), i < j
        self.directed = self.pairs  # both directions of each link
        self.link_loss: np.ndarray | float = message_loss  # per directed link, or one number
        self.version = 0  # changes whenever the links change
        self.prox: Proximity | None = None
        self.adj: np.ndarray | None = None  # dense path: adjacency among prox.rows
        self._queried: np.ndarray | None = None  # the rows whose query made the links (if one did)
        self.blackout_until = -1
        self.channels: dict[str, comms.Channel] = {}
        self.unicasts: dict[str, comms.Unicast] = {}
        self._pos = np.zeros((n, 2))
        self._crowded = True  # check whether the cap binds at the next full query ...
        self._capped = True  # ... and before listing all pairs (it bound at the last one)
        self._labels: tuple[int, np.ndarray] | None = None
        self._codes: tuple[int, np.ndarray] | None = None
        self.traffic: Traffic | None = None  # this step's messages, while traced (`trace`)

    # ------------------------------------------------------------------ links
    def update(self, pos: np.ndarray, active: np.ndarray, rows: np.ndarray | None = None) -> bool:
        """Link the active agents from these positions; True if the query was (re)done.

        A repeated call with the same positions and the same active agents reuses the last
        query (measurement queries at the end of a step; the next step starts from there).
        """
        rows = active.nonzero()[0] if rows is None else rows
        self.active = active
        prox = self.prox
        here = pos if len(rows) == self.n else pos[rows]
        where = here.tobytes()  # (bytes: far cheaper than array_equal for the small groups)
        if prox is not None and prox.where == where and _same(prox.rows, rows):
            return False
        self._query(pos, rows, here, where)
        return True

    def prox_for(self, rows: np.ndarray) -> Proximity | None:
        """The last neighbour query if it covers exactly these active rows (else None).

        Motion reuses it within a step: nobody has moved since the network's phase.
        """
        prox = self.prox
        if prox is None or not _same(prox.rows, rows):
            return None
        return prox

    def set_links(self, pairs: np.ndarray, active: np.ndarray | None = None) -> None:
        """Use these undirected links (rows) as they are (the protocol harness, tests)."""
        pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        if active is not None:
            self.active = active
            pairs = pairs[active[pairs[:, 0]] & active[pairs[:, 1]]]
        self.prox = None
        self._set(np.sort(pairs, axis=1), None)

    def _query(self, pos: np.ndarray, rows: np.ndarray, here: np.ndarray, where: bytes) -> None:
        k = len(rows)
        self._pos = pos
        if k <= self.dense_max:
            self._query_dense(rows, here, where)
        else:
            self._query_tree(rows, here, where)
        if self.distance_loss > 0:
            self.link_loss = comms.link_loss(
                pos, self.directed, self.message_loss, self.distance_loss, self.comm_range, self.box
            )

    def _query_dense(self, rows: np.ndarray, here: np.ndarray, where: bytes) -> None:
        d2 = dense_d2(here, self.box)
        adj = d2 < _off_diagonal(len(rows), self.comm_range**2)  # no agent links to itself
        if len(rows) > self.max_links + 1 and adj.sum(axis=1).max() > self.max_links:
            adj = cap_dense(adj, d2, self.max_links)
        self.prox = Proximity(rows, where, d2=d2)
        old = self.adj  # (same rows, same shape; bytes: cheaper than array_equal for a few)
        if old is not None and self._found_again(rows) and old.tobytes() == adj.tobytes():
            return
        i, j = np.nonzero(np.triu(adj))
        self._set(np.column_stack([rows[i], rows[j]]), None)
        self.adj, self._queried = adj, rows

    def _query_tree(self, rows: np.ndarray, here: np.ndarray, where: bytes) -> None:
        k, cap, box = len(rows), self.max_links, self.box
        tree = cKDTree(wrap(here, box) if box is not None else here, boxsize=box)
        check = self._crowded and k > cap + 1
        step = max(1, k // KNN_SAMPLE)
        # Sampled agents are counted before listing all pairs while the cap binds (or the query
        # reaches further); else the full query's degrees give the same counts (the same test).
        if check and (self._capped or self.reach > self.comm_range):
            check = False
            # (counting, with return_length, is 2-3x cheaper than asking for cap + 1 nearest)
            count = tree.query_ball_point(tree.data[::step], self.comm_range, return_length=True)
            if int(count.max()) > cap:  # someone (itself counted) has `cap` or more neighbours
                self._set_nearest(tree, rows, where)
                return
        pairs = tree.query_pairs(self.reach, output_type="ndarray")
        d = pair_vectors(here, pairs, box)
        dist = np.abs(d.view(np.complex128)[:, 0])  # |dx + i·dy|: ~10x faster than np.hypot
        local, ldist = pairs, dist
        if self.reach > self.comm_range:
            near = dist < self.comm_range
            local, ldist = np.compress(near, pairs, axis=0), dist[near]
        degree = np.bincount(local.ravel(), minlength=k)
        if check and int(np.maximum.reduce(degree[::step])) >= cap:
            self._set_nearest(tree, rows, where)  # (as the count before the query would have)
            return
        self.prox = Proximity(rows, where, pairs=pairs, dist=dist)
        top = int(degree.max()) if len(degree) else 0
        self._crowded, self._capped = top >= cap // 2, top > cap
        if top > cap:
            local = np.compress(cap_pairs(local, ldist, cap), local, axis=0)
        whole = k == self.n  # nobody dropped out: indices into `rows` are the rows themselves
        links = local if whole else rows.take(local)
        if self._found_again(rows) and _equal(self.pairs, links):
            return
        self._set(links, both_directions(local) if whole else None)
        self._queried = rows

    def _set_nearest(self, tree: cKDTree, rows: np.ndarray, where: bytes) -> None:
        """Links to each agent's `max_links` nearest (a crowded group: no pair list is kept)."""
        self.prox = Proximity(rows, where)
        self._capped = True
        self._set(nearest_links(tree, rows, self.max_links, self.comm_range), None)

    def _set(self, pairs: np.ndarray, both: np.ndarray | None) -> None:
        self.pairs = pairs
        self.directed = both if both is not None else comms.directed_links(pairs)
        self.link_loss = self.message_loss
        self.version += 1
        self.adj = None
        self._queried = None

    def _found_again(self, rows: np.ndarray) -> bool:
        """Whether the current links came from a query of these same rows.

        If a new query of them finds those links again, the arrays are kept: channels keep
        their columns, and `version` stays, so the graph metrics stand.
        """
        return self._queried is not None and _same(self._queried, rows)

    # ------------------------------------------------------------------ messages
    def trace(self, on: bool) -> None:
        """Note every message sent from now on in `traffic` (on), or stop noting (off)."""
        if on and self.traffic is None:
            self.traffic = Traffic()
        elif not on:
            self.traffic = None
        for name, channel in self.channels.items():
            channel.tap = self._tap(name)

    def _tap(self, name: str):
        traffic, kind = self.traffic, CHANNEL_KINDS.get(name, 0)
        if traffic is None:
            return None
        # a partial, not a lambda: the timeline pickles the model, taps included
        return functools.partial(_note, traffic, kind)

    def channel(self, name: str) -> comms.Channel:
        """The broadcast channel `name` (created on first use)."""
        if name not in self.channels:
            self.channels[name] = comms.Channel(self.n, self.delay, self.rng)
            self.channels[name].tap = self._tap(name)
        return self.channels[name]

    def unicast(self, name: str) -> comms.Unicast:
        """The point-to-point channel `name` (created on first use)."""
        if name not in self.unicasts:
            self.unicasts[name] = comms.Unicast(self.rng)
        return self.unicasts[name]

    def loss(self, time: int) -> np.ndarray | float:
        """Loss probability of each directed link this step (1 during a blackout)."""
        return 1.0 if self.jammed(time) else self.link_loss

    def broadcast(self, name: str, time: int, senders: np.ndarray, keys: np.ndarray) -> None:
        """Each sender broadcasts `keys[row]` to its neighbours on channel `name`."""
        self.channel(name).send(time, senders & self.active, keys, self.directed, self.loss(time))

    def deliver(
        self, name: str, time: int, with_senders: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(rows, best key, a sender of it) for messages of `name` reaching active rows now.

        The senders (None unless `with_senders`) are for replies, e.g. votes going back.
        """
        return self.channel(name).receive(time, self.active, with_senders)

    def hop(self, name: str, src: np.ndarray, dst: np.ndarray, time: int) -> np.ndarray:
        """Send one message from each src to each dst row on unicast `name`; mask of arrivals."""
        crossed = self.unicast(name).cross(self.pair_loss(src, dst, time), len(src))
        if self.traffic is not None:
            self.traffic.note(time, CHANNEL_KINDS.get(name, 0), src, dst, crossed)
        return crossed

    def pair_loss(self, src: np.ndarray, dst: np.ndarray, time: int) -> np.ndarray | float:
        """Loss probability of a message from each src to each dst row this step."""
        if self.jammed(time):
            return 1.0
        if self.distance_loss <= 0:
            return self.message_loss
        d = pair_vectors(self._pos, np.column_stack([src, dst]), self.box)
        frac2 = (d[:, 0] ** 2 + d[:, 1] ** 2) / self.comm_range**2
        return np.clip(self.message_loss + self.distance_loss * frac2, 0.0, 1.0)

    def jam(self, time: int, steps: int) -> None:
        """Lose every message from `time` for `steps` steps (a blackout)."""
        self.blackout_until = max(self.blackout_until, time + steps)

    def jammed(self, time: float) -> bool:
        """True while communication is jammed."""
        return time < self.blackout_until

    def counts(self) -> tuple[int, int]:
        """(sent, delivered) over every channel: one count per sender → receiver message."""
        parts = [*self.channels.values(), *self.unicasts.values()]
        return sum(c.sent for c in parts), sum(c.delivered for c in parts)

    # ------------------------------------------------------------------ graph queries
    def labels(self) -> np.ndarray:
        """Connected-component label of every row under the current links (-1: inactive)."""
        if self._labels is None or self._labels[0] != self.version:
            _, labels = metrics.components(self.n, self.pairs)
            self._labels = (self.version, np.where(self.active, labels, -1))
        return self._labels[1]

    def reachable(self, row: int) -> np.ndarray:
        """Active agents with a link path to `row` (those that hear it by relay)."""
        labels = self.labels()
        return (labels == labels[row]) & (labels >= 0)

    def hops_from(self, row: int) -> np.ndarray:
        """Hops from `row` to every agent over the current links (-1: unreachable)."""
        adj = coo_matrix(
            (np.ones(len(self.pairs)), (self.pairs[:, 0], self.pairs[:, 1])), shape=(self.n, self.n)
        ).tocsr()
        dist = shortest_path(adj, directed=False, unweighted=True, indices=row)
        return np.where(np.isfinite(dist), dist, -1).astype(np.int64)

    def linked(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """True where a link joins src[k] and dst[k] this step."""
        if self._codes is None or self._codes[0] != self.version:
            lo, hi = self.pairs.min(axis=1), self.pairs.max(axis=1)
            self._codes = (self.version, np.sort(lo.astype(np.int64) * self.n + hi))
        codes = self._codes[1]
        if not len(codes):
            return np.zeros(len(src), dtype=bool)
        want = np.minimum(src, dst).astype(np.int64) * self.n + np.maximum(src, dst)
        at = np.searchsorted(codes, want)
        return (at < len(codes)) & (codes[np.minimum(at, len(codes) - 1)] == want)


@functools.lru_cache(maxsize=8)
def _off_diagonal(n: int, value: float) -> np.ndarray:
    """An n×n matrix of `value` with -inf on the diagonal (read-only, cached).

    `d2 < _off_diagonal(n, r²)` is `d2 < r²` with the diagonal False, in one operation.
    """
    out = np.full((n, n), value)
    np.fill_diagonal(out, -np.inf)
    out.setflags(write=False)
    return out


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two link arrays are equal (array_equal: ~15x faster than comparing their bytes)."""
    return a.shape == b.shape and np.array_equal(a, b)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two row arrays hold the same rows (usually the very same array)."""
    return a is b or (a.shape == b.shape and a.tobytes() == b.tobytes())


def _note(traffic, kind: int, time, src, dst, kept) -> None:
    """A channel's tap: note what it sent in `traffic` as messages of `kind`."""
    traffic.note(time, kind, src, dst, kept)

"""Role replacement: how a group that has lost its leader chooses a new one.

Every protocol runs over the network's message layer: its messages are lost and delayed like any
other and counted, and an agent only acts on what reached it. All start from the same trigger —
a follower that has heard no fresher heartbeat for its election timeout *suspects* its leader is
lost (`sim.components.leadership`). And all obey one liveness rule (Chandra & Toueg; Raft): every
wait has its own timeout, and an agent whose wait runs out starts over in a *newer* term. Terms
only grow, so a stale election naming an agent that has dropped out can never block a new one.

- ``lowest_id`` (FloodMin, the min-id dual of FloodMax): an agent that suspects starts a round
  (term) with its own id; every agent that hears of a round joins it, proposing itself too, and
  every participant re-broadcasts the lowest id it has heard each step (FloodMin's rounds). The
  agent whose own id has stood unchallenged for its settle time (its timeout window's low end)
  declares itself leader. A participant whose round makes no progress for its settle time plus
  its timeout — the lowest id dropped out, or its winner fell silent — starts the next round.
  No quorum: cut-off parts each elect a leader (available, not consistent).
- ``raft`` (Ongaro & Ousterhout 2014): an agent whose timeout runs out (a follower, a voter, a
  candidate whose campaign stalled) stands for the next term, votes for itself and floods a vote
  request; candidate and voters re-send it every step until answered. Every agent grants one
  vote per term, to the first request it hears for a term whose leader it does not know; the
  vote travels back hop by hop along the request's path, through the same lossy links, each hop
  re-sent until it gets across. A majority of all `n_agents` (Raft's fixed cluster) wins: two
  majorities always share a voter, so a term never has two leaders. Granting a vote restarts
  the voter's timer, but the voter follows nobody until it hears a leader of that term.
- ``succession``: a pre-agreed order (by id, after the lost leader's). The k-th in line takes
  over once it has heard nothing for `lo + (k − 1)·hi` steps of its timeout window. No messages
  at all: fast, but a successor that is cut off takes over alone.
- ``none``: nobody replaces the leader (the contrast case).
- ``oracle`` (with ``information="oracle"``): the lowest live id takes over in the very step the
  leader is lost — the idealised "another instantly takes its place".

When two leaders meet (after a partition heals, or a too-early declaration), the beacon key order
decides: higher term first, then lower id. The other leader steps down ("merge").
"""

from __future__ import annotations

import numpy as np

from sim.heartbeat import election_key, key_row, key_term
from sim.wording import count

# Role codes, as in sim.components.leadership (kept here to avoid an import cycle).
FOLLOWER, SUSPECT, CANDIDATE, VOTED, LEADER = range(5)


class NoElection:
    """Nobody replaces a lost leader: followers stop and wait."""

    name = "none"
    doc = "nobody replaces a lost leader (the contrast case)"

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.started: set[int] = set()  # terms whose election_started was logged

    def step(self, lead, t: int) -> None:
        """Run one step of the protocol."""

    def on_leader_heard(self, lead, rows: np.ndarray) -> None:
        """Rows adopted a fresher heartbeat (they are followers again)."""

    def can_recover(self, lead) -> bool:
        """False once every agent has given up on its leader and nobody may replace it."""
        if lead.leaders:  # (only active agents lead)
            return True
        return bool(np.count_nonzero(lead.following))


class Succession(NoElection):
    """The k-th in a pre-agreed line takes over after k timeouts; no messages."""

    name = "succession"
    doc = "the next in a pre-agreed order takes over, no messages"

    def step(self, lead, t):
        """Promote suspecting agents whose place in line has come."""
        rows = np.flatnonzero(lead.active & (lead.role == SUSPECT))
        if not len(rows):
            return
        lost = key_row(lead.belief[rows])
        k = (rows - lost) % lead.n
        lo, hi = lead.timing.round_window(rows)
        ready = (t - lead.timer[rows]) > lo + (k - 1) * hi
        for row, place in zip(rows[ready].tolist(), k[ready].tolist(), strict=True):
            term = int(lead.term[row]) + 1
            lead.become_leader(row, term, f"succession, {_ordinal(place)} in line", t)

    def can_recover(self, lead):
        """Any live agent is somewhere in line."""
        return bool(lead.active.any())


class LowestId(NoElection):
    """FloodMin rounds: the lowest id heard by everyone in the group becomes leader."""

    name = "lowest_id"
    doc = "the lowest id the group can reach (FloodMin)"

    def __init__(self, n, rng):
        super().__init__(n, rng)
        self.key = np.full(n, -1, dtype=np.int64)  # the round and lowest id each agent knows
        self.changed = np.zeros(n, dtype=np.int64)  # when that last improved
        self.joined = np.zeros(n, dtype=np.int64)  # when each agent joined its round
        self.rounds: list[int] = []  # FloodMin rounds of each election won

    def step(self, lead, t):
        """Start, relay, restart and settle FloodMin rounds."""
        if lead.settled and not lead.network.channel("election").busy:
            return  # nobody suspects or campaigns, no round in flight
        act = lead.active
        taking_part = act & ((lead.role == CANDIDATE) | (lead.role == VOTED))
        starting = act & (lead.role == SUSPECT)
        if taking_part.any():
            rows = np.flatnonzero(taking_part)
            lo, _ = lead.timing.round_window(rows)
            stalled = rows[t - self.changed[rows] > lo + lead.timing.timeout(rows)]
            starting[stalled] = True
        for row in np.flatnonzero(starting).tolist():
            term = max(int(lead.term[row]), int(key_term(self.key[row]))) + 1
            self._join(lead, np.array([row]), np.array([election_key(term, row)]), t)
            lead.timing.redraw([row])
        taking_part = act & ((lead.role == CANDIDATE) | (lead.role == VOTED))
        net = lead.network
        if not taking_part.any() and not net.channel("election").busy:
            return
        net.broadcast("election", t, taking_part, self.key)
        rows, keys, _ = net.deliver("election", t)
        if len(rows):
            terms = key_term(keys)
            # Rounds whose leader it already follows are over for it.
            open_ = terms > key_term(lead.belief[rows])
            rows, keys, terms = rows[open_], keys[open_], terms[open_]
            keys = np.maximum(keys, election_key(terms, rows))  # it proposes itself too
            better = keys > self.key[rows]
            self._join(lead, rows[better], keys[better], t)
        self._declare(lead, t)

    def _join(self, lead, rows, keys, t):
        if not len(rows):
            return
        terms = key_term(keys)
        newer = terms > key_term(self.key[rows])
        self.joined[rows[newer]] = t
        self.key[rows] = keys
        self.changed[rows] = t
        lead.hear_term(rows, terms, "an election message", t)
        lead.role[rows] = np.where(key_row(keys) == rows, CANDIDATE, VOTED)
        for term, row in zip(*np.unique(terms, return_index=True), strict=True):
            lead.announce(int(term), int(rows[row]))

    def _declare(self, lead, t):
        """A candidate whose own id stood unchallenged for its settle time leads its round."""
        rows = np.flatnonzero(lead.active & (lead.role == CANDIDATE))
        if not len(rows):
            return
        lo, _ = lead.timing.round_window(rows)
        ready = rows[t - self.changed[rows] >= lo]
        for row in ready.tolist():
            term = int(key_term(self.key[row]))
            same = key_term(self.key) == term
            # FloodMin rounds: from the winner joining to the last agent adopting its id.
            rounds = int(self.changed[same].max() - self.joined[row])
            self.rounds.append(rounds)
            lead.become_leader(row, term, f"lowest_id, term {term}, {count(rounds, 'round')}", t)

    def can_recover(self, lead):
        """Any live agent can be elected (a leader is one: only active agents lead)."""
        return bool(lead.leaders) or bool(lead.active.any())


class Raft(NoElection):
    """Randomised timeouts, terms, one vote per term, a majority of the whole group.

    The group is Raft's fixed cluster: all `n_agents`, dropped ones included. Any two majorities
    of it share a voter, and a voter votes once per term, so a term never has two winners —
    even when partitions or stale beacons give candidates different views of who is left. The
    price is Raft's own: once half the group has dropped out, nobody can be elected.
    """

    name = "raft"
    doc = "a Raft vote: a majority of the whole group elects"

    def __init__(self, n, rng):
        super().__init__(n, rng)
        self.voted = np.zeros(n, dtype=np.int64)  # term of each agent's last vote
        self.request = np.full(n, -1, dtype=np.int64)  # the request it voted for (as heard)
        self.parent = np.full(n, -1, dtype=np.intp)  # the neighbour that request came from
        self.votes = np.zeros(n, dtype=np.int64)  # votes counted by each candidate
        # Votes on their way back: voter, term, candidate, where it is, when it got there.
        self.trip = {k: np.zeros(0, dtype=np.int64) for k in ("voter", "term", "cand", "at", "t")}

    def step(self, lead, t):
        """Stand, relay requests, grant votes, carry votes back, count them."""
        act = lead.active
        waiting = np.flatnonzero(act & (lead.role != FOLLOWER) & (lead.role != LEADER))
        if len(waiting):
            expired = waiting[t - lead.timer[waiting] > lead.timing.timeout(waiting)]
            for row in expired.tolist():
                self._stand(lead, row, t)
        campaigning = act & ((lead.role == CANDIDATE) | (lead.role == VOTED))
        campaigning &= self.voted == lead.term
        net = lead.network
        if campaigning.any() or net.channel("election").busy:
            # each relay adds a hop (election keys store LOW_MASK − hops)
            net.broadcast("election", t, campaigning, self.request - 1)
            rows, keys, senders = net.deliver("election", t, with_senders=True)
            if len(rows):
                self._grant(lead, rows, keys, senders, t)
        if len(self.trip["voter"]):
            self._carry(lead, t)

    def _stand(self, lead, row: int, t: int) -> None:
        term = int(lead.term[row]) + 1
        lead.hear_term(np.array([row]), np.array([term]), "its own candidacy", t)
        lead.role[row] = CANDIDATE
        lead.timing.join_round([row], t)
        self.voted[row] = term
        self.request[row] = election_key(term, row, 0)
        self.parent[row] = -1
        self.votes[row] = 1  # its own
        lead.announce(term, row)
        self._count(lead, np.array([row]), t)  # a group of one wins at once

    def _grant(self, lead, rows, keys, senders, t):
        """One vote per term, to the first request heard for a term with no known leader."""
        terms = key_term(keys)
        fresh = (terms > self.voted[rows]) & (terms > key_term(lead.belief[rows]))
        rows, keys, senders, terms = rows[fresh], keys[fresh], senders[fresh], terms[fresh]
        if not len(rows):
            return
        lead.hear_term(rows, terms, "a vote request", t)
        lead.role[rows] = VOTED  # a candidate that votes for another gives up
        lead.timing.join_round(rows, t)  # Raft: granting a vote restarts the election timer
        self.voted[rows] = terms
        self.request[rows] = keys
        self.parent[rows] = senders
        trip = self.trip
        trip["voter"] = np.concatenate([trip["voter"], rows])
        trip["term"] = np.concatenate([trip["term"], terms])
        trip["cand"] = np.concatenate([trip["cand"], key_row(keys)])
        trip["at"] = np.concatenate([trip["at"], rows])
        trip["t"] = np.concatenate([trip["t"], np.full(len(rows), t)])

    def _carry(self, lead, t):
        """Votes cross one hop toward their candidate; each hop is re-sent until it gets across."""
        trip, net = self.trip, lead.network
        at, cand, term = trip["at"], trip["cand"], trip["term"]
        moving = (trip["t"] < t) & (at != cand)
        if moving.any():
            idx = np.flatnonzero(moving)
            here, nxt = at[idx], self.parent[at[idx]]
            # The holder still backs that candidate in that term, and the hop still exists.
            ok = lead.active[here] & (self.voted[here] == term[idx]) & (nxt >= 0)
            ok &= key_row(self.request[here]) == cand[idx]
            ok[ok] &= lead.active[nxt[ok]] & net.linked(here[ok], nxt[ok])
            keep = np.ones(len(at), dtype=bool)
            keep[idx[~ok]] = False  # the path is gone: the vote is lost with it
            idx, here, nxt = idx[ok], here[ok], nxt[ok]
            crossed = net.hop("vote", here, nxt, t)
            at[idx[crossed]] = nxt[crossed]
            trip["t"][idx[crossed]] = t + net.delay
            for k in trip:
                trip[k] = trip[k][keep]
        home = (trip["at"] == trip["cand"]) & (trip["t"] <= t)
        if home.any():
            cands, terms = trip["cand"][home], trip["term"][home]
            valid = (lead.role[cands] == CANDIDATE) & (self.voted[cands] == terms)
            np.add.at(self.votes, cands[valid], 1)
            lead.timer[cands[valid]] = t  # a vote came in: the campaign is making progress
            for k in trip:
                trip[k] = trip[k][~home]
            self._count(lead, np.unique(cands[valid]), t)

    def _count(self, lead, cands, t):
        need = lead.n // 2 + 1
        for row in cands.tolist():
            if lead.role[row] == CANDIDATE and lead.active[row] and self.votes[row] >= need:
                term = int(self.voted[row])
                detail = f"raft, term {term}, {count(int(self.votes[row]), 'vote')}, {need} needed"
                lead.become_leader(row, term, detail, t)

    def can_recover(self, lead):
        """Raft can try again while a live majority of the group remains."""
        if lead.leaders:  # (only active agents lead)
            return True
        return int(np.count_nonzero(lead.active)) >= lead.n // 2 + 1


class Oracle(NoElection):
    """Idealised baseline: the lowest live id takes over in the very step the leader is lost."""

    name = "oracle"
    doc = "the lowest live id, instantly (with information='oracle')"

    def step(self, lead, t):
        """Promote the lowest active row when no leader is alive (no election is held)."""
        if lead.main < 0 and lead.active.any():
            row = int(np.flatnonzero(lead.active)[0])
            term = int(lead.term.max()) + 1
            lead.become_leader(row, term, f"oracle (instant), term {term}", t)

    def can_recover(self, lead):
        """Any live agent can take over."""
        return bool(lead.active.any())


PROTOCOLS = {"lowest_id": LowestId, "raft": Raft, "succession": Succession, "none": NoElection}


def create(name: str, oracle: bool, n: int, rng: np.random.Generator):
    """The election protocol `name` (the oracle's when information is perfect)."""
    if oracle and name != "none":
        return Oracle(n, rng)
    return PROTOCOLS[name](n, rng)


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"

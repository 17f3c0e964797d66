"""Role replacement: how a group that has lost its leader chooses a new one.

Every protocol runs over the message layer (`sim.comms`): its messages are lost and delayed like
any other, and an agent only acts on what reached it. All start from the same trigger — a follower
whose heartbeat belief is older than its timeout suspects the leader is lost (`sim.heartbeat`).

- ``lowest_id`` (FloodMin, the min-id dual of FloodMax): every agent that hears of the election
  proposes itself, and keeps relaying the lowest id it has heard. Once the lowest id is in the
  flood it reaches the whole group in at most diam rounds. An agent that has heard no lower id
  than its own for `election_timeout_min` steps declares itself leader.
- ``raft`` (Ongaro & Ousterhout 2014): the first to time out becomes a candidate for a new term and
  floods a vote request; every agent grants one vote per term, to the first request it hears; a
  vote travels back hop by hop (lost with probability 1 − (1 − loss)^hops). A majority of the group
  the last leader announced wins. Split votes retry in a new term after a fresh random timeout.
- ``succession``: a pre-agreed order (by id, after the lost leader's). The k-th in line takes over
  when its silence exceeds election_timeout_min + (k − 1)·election_timeout_max. No messages at all:
  fast, but a successor that is cut off takes over alone.
- ``none``: nobody replaces the leader (the contrast case).

When two leaders meet (after a partition heals, or after a too-early declaration), the beacon key
order decides: higher term first, then lower id. The other leader steps down ("merge").
"""

from __future__ import annotations

import numpy as np

from sim.comms import Channel
from sim.heartbeat import ROW_MASK, key_row, key_term

# Election-message keys: term · 2²⁸ + (ROW_MASK − candidate) · 2¹⁴ + (HOP_MASK − hops).
HOP_BITS = 14
HOP_MASK = (1 << HOP_BITS) - 1
CAND_SHIFT = HOP_BITS
TERM_SHIFT = HOP_BITS + 14


def election_key(term, row, hops=0):
    """Key of an election message (higher term, then lower candidate id, then fewer hops)."""
    return (
        (np.int64(term) << TERM_SHIFT)
        | ((ROW_MASK - np.int64(row)) << CAND_SHIFT)
        | (HOP_MASK - np.int64(hops))
    )


def ekey_term(key):
    """Term of an election key (-1 for none)."""
    return np.where(key >= 0, key >> TERM_SHIFT, -1)


def ekey_row(key):
    """Candidate row of an election key (-1 for none)."""
    return np.where(key >= 0, ROW_MASK - ((key >> CAND_SHIFT) & ROW_MASK), -1)


def ekey_hops(key):
    """Hops an election message has travelled."""
    return HOP_MASK - (key & HOP_MASK)


class NoElection:
    """Nobody replaces a lost leader: followers stop and wait."""

    name = "none"
    uses_timeout_range = False

    def __init__(self, model) -> None:
        self.started: set[int] = set()  # terms whose election_started was logged

    def step(self, model, links, loss, suspects: np.ndarray) -> None:
        """Run one step of the protocol given the currently suspecting rows."""

    def on_leader_heard(self, model, rows: np.ndarray) -> None:
        """Rows whose belief was refreshed by a beacon (protocols may reset state)."""

    def can_recover(self, model) -> bool:
        """False once every agent has noticed the leader is gone and nobody may replace it."""
        if model.is_leader[model.active].any():
            return True
        waiting = model.active & ~model.is_leader
        return bool(waiting.any() and not model.suspecting[waiting].all())

    def announce(self, model, term: int, row: int) -> None:
        """Log election_started once per term."""
        if term not in self.started:
            self.started.add(term)
            model.log("election_started", row, f"{self.name}, term {term}")


class Succession(NoElection):
    """The k-th in a pre-agreed line takes over after k timeouts; no messages."""

    name = "succession"

    def step(self, model, links, loss, suspects):
        """Promote suspecting agents whose place in line has come."""
        if not suspects.any():
            return
        p = model.params
        rows = np.flatnonzero(suspects)
        lost = key_row(model.belief[rows])
        k = (rows - lost) % model.n
        wait = p.election_timeout_min + (k - 1) * p.election_timeout_max
        ready = rows[model.silence()[rows] > wait]
        for row in ready:
            term = int(key_term(model.belief[row])) + 1
            self.announce(model, term, row)
            model.become_leader(int(row), term, f"succession, {int(k[rows == row][0])}th in line")

    def can_recover(self, model):
        """Any live agent is somewhere in line."""
        return bool(model.active.any())


class LowestId(NoElection):
    """FloodMin: the lowest id heard by everyone in the group becomes leader."""

    name = "lowest_id"

    def __init__(self, model) -> None:
        super().__init__(model)
        n = model.n
        self.key = np.full(n, -1, dtype=np.int64)
        self.changed = np.zeros(n, dtype=np.int64)
        self.dirty = np.zeros(n, dtype=bool)
        self.open = False  # some agent takes part in an election not yet settled
        self.joined = np.zeros(n, dtype=np.int64)  # when each agent joined its current term
        self.rounds: list[int] = []  # FloodMin rounds of each election won
        self.channel = Channel(n, model.params.comm_delay, model.rng)

    def step(self, model, links, loss, suspects):
        """Start, relay and settle FloodMin elections."""
        idle = not (self.open or self.channel.busy or suspects.any())
        if idle:
            return
        t = int(model.time)
        belief_term = key_term(model.belief)
        mine = election_key(belief_term + 1, model.rows)
        start = suspects & (ekey_term(self.key) <= belief_term)
        self._adopt(model, np.flatnonzero(start), mine[start], t)
        self.channel.send(t, self.dirty & model.active, self.key, links, loss)
        self.dirty[:] = False
        rows, keys = self.channel.receive(t)
        live = model.active[rows]
        rows, keys = rows[live], keys[live]
        if len(rows):
            # A receiver joins the election of that term with its own id too (FloodMin).
            own = election_key(ekey_term(keys), rows)
            self._adopt(model, rows, np.maximum(keys, own), t)
        settle = model.params.election_timeout_min
        ready = (
            model.active
            & ~model.is_leader
            & (self.key >= 0)
            & (ekey_row(self.key) == model.rows)
            & (t - self.changed >= settle)
            & (ekey_term(self.key) > belief_term)
        )
        for row in np.flatnonzero(ready):
            term = int(ekey_term(self.key[row]))
            same = ekey_term(self.key) == term
            # FloodMin rounds: from the winner joining to the last agent adopting its id.
            rounds = int(self.changed[same].max() - self.joined[row])
            self.rounds.append(rounds)
            model.become_leader(int(row), term, f"lowest_id, term {term}, {rounds} rounds")
        self.open = bool(np.any(ekey_term(self.key) > key_term(model.belief)))

    def _adopt(self, model, rows, keys, t):
        better = keys > self.key[rows]
        rows, keys = rows[better], keys[better]
        if not len(rows):
            return
        terms = ekey_term(keys)
        uniq, first = np.unique(terms, return_index=True)
        for term, row in zip(uniq, rows[first], strict=True):
            self.announce(model, int(term), int(row))
        newer = terms > ekey_term(self.key[rows])
        self.joined[rows[newer]] = t
        self.key[rows] = keys
        self.changed[rows] = t
        self.dirty[rows] = True
        model.hear_term(rows, terms, "an election message")

    def can_recover(self, model):
        """Any live agent can be elected."""
        return bool(model.active.any())


class Raft(NoElection):
    """Randomised timeouts, terms, one vote per term, a majority of the whole group.

    The group is Raft's fixed cluster: all `n_agents`, dropped ones included. Any two majorities
    of it share a voter, and a voter votes once per term, so a term never has two winners —
    even when partitions or stale beacons give candidates different views of who is left. The
    price is Raft's own: once half the group has dropped out, nobody can be elected.

    Like Raft's RPCs, requests and votes are retransmitted every step until they are answered:
    a candidate and every agent that voted for it keep relaying its request, and each voter
    keeps re-sending its vote until the candidate has counted it or the election is over.
    """

    name = "raft"
    uses_timeout_range = True

    def __init__(self, model) -> None:
        super().__init__(model)
        n = model.n
        self.request = np.full(n, -1, dtype=np.int64)  # the request each agent voted for
        self.voted = np.full(n, -1, dtype=np.int64)  # term of that vote
        self.counted = np.zeros(n, dtype=bool)  # has the candidate counted that vote?
        self.candidate = np.full(n, -1, dtype=np.int64)  # term of own candidacy
        self.deadline = np.zeros(n, dtype=np.int64)  # when a losing candidacy retries
        self.needed = np.zeros(n, dtype=np.int64)
        self.channel = Channel(n, model.params.comm_delay, model.rng)
        self._replies: list[tuple[int, np.ndarray, np.ndarray]] = []  # (due, voters, terms)

    def step(self, model, links, loss, suspects):
        """Start candidacies, relay vote requests, send and count votes, declare winners."""
        t = int(model.time)
        retry = (self.candidate >= 0) & (t >= self.deadline)
        start = model.active & ~model.is_leader & ((suspects & (self.candidate < 0)) | retry)
        for row in np.flatnonzero(start):
            self._stand(model, int(row), t)
        campaigning = model.active & (self.voted > key_term(model.belief)) & (self.request >= 0)
        if not campaigning.any() and not self._replies and not self.channel.busy:
            return
        self.channel.send(t, campaigning, self.request - 1, links, loss)
        rows, keys = self.channel.receive(t)
        if len(rows):
            self._vote(model, rows, keys)
        self._send_votes(model, campaigning, t, loss)
        self._count(model, t)

    def _stand(self, model, row: int, t: int) -> None:
        term = int(max(model.term[row], key_term(model.belief[row]))) + 1
        model.hear_term(np.array([row]), np.array([term]), "its own candidacy")
        self.candidate[row] = term
        self.voted[row] = term
        self.counted[row] = True  # its own vote
        self.request[row] = election_key(term, row, 0)
        self.needed[row] = model.n // 2 + 1
        self.deadline[row] = t + model.draw_timeout(1)[0]
        self.announce(model, term, row)

    def _vote(self, model, rows, keys):
        """Grant one vote per term, to the first request heard (the best, if several arrive)."""
        terms = ekey_term(keys)
        fresh = model.active[rows] & (terms > self.voted[rows])
        rows, keys, terms = rows[fresh], keys[fresh], terms[fresh]
        if not len(rows):
            return
        model.hear_term(rows, terms, "a vote request")
        self.candidate[rows] = -1  # a candidate that votes for another gives up
        self.voted[rows] = terms
        self.counted[rows] = False
        self.request[rows] = keys
        model.reset_timer(rows)

    def _send_votes(self, model, campaigning, t, loss):
        """Voters whose vote is not yet counted send it back along the request's path."""
        voters = np.flatnonzero(campaigning & ~self.counted)
        if not len(voters) or model.blackout:
            return
        hops = ekey_hops(self.request[voters])
        back = model.rng.random(len(voters)) < (1.0 - _mean_loss(loss)) ** hops
        due = t + hops * (1 + model.params.comm_delay)
        for when in np.unique(due[back]):
            pick = back & (due == when)
            self._replies.append((int(when), voters[pick], self.voted[voters[pick]]))

    def _count(self, model, t):
        due = [r for r in self._replies if r[0] <= t]
        if not due:
            return
        self._replies = [r for r in self._replies if r[0] > t]
        voters = np.concatenate([d[1] for d in due])
        terms = np.concatenate([d[2] for d in due])
        cands = ekey_row(self.request[voters])
        valid = (self.voted[voters] == terms) & (self.candidate[cands] == terms)
        self.counted[voters[valid]] = True
        # Votes count for the term they were cast in: a candidate standing again starts afresh.
        support = self.counted & (self.voted >= 0) & (self.request >= 0)
        for_whom = ekey_row(self.request)
        support &= self.candidate[for_whom] == ekey_term(self.request)
        votes = np.bincount(for_whom[support], minlength=model.n)
        for row in np.flatnonzero((self.candidate >= 0) & (votes >= self.needed)):
            term = int(self.candidate[row])
            detail = f"raft, term {term}, {int(votes[row])} votes, {int(self.needed[row])} needed"
            self.candidate[row] = -1
            if model.active[row]:
                model.become_leader(int(row), term, detail)

    def on_leader_heard(self, model, rows: np.ndarray) -> None:
        """Candidates that hear a leader of their term or newer give up."""
        beaten = self.candidate[rows] <= key_term(model.belief[rows])
        self.candidate[rows[beaten]] = -1

    def can_recover(self, model):
        """Raft can try again while a live majority of the group remains."""
        if model.is_leader[model.active].any():
            return True
        return int(np.count_nonzero(model.active)) >= model.n // 2 + 1


def _mean_loss(loss) -> float:
    return float(np.mean(loss)) if np.ndim(loss) else float(loss)


class Oracle(NoElection):
    """Idealised baseline: the lowest live id takes over in the very step the leader is lost."""

    name = "oracle"

    def step(self, model, links, loss, suspects):
        """Promote the lowest active row when no leader is alive."""
        if model.leader < 0 and model.active.any():
            row = int(np.flatnonzero(model.active)[0])
            term = int(model.term.max()) + 1
            self.announce(model, term, row)
            model.become_leader(row, term, f"oracle (instant), term {term}")

    def can_recover(self, model):
        """Any live agent can take over."""
        return bool(model.active.any())


PROTOCOLS = {"none": NoElection, "lowest_id": LowestId, "raft": Raft, "succession": Succession}


def create(model):
    """The election protocol named by ``model.params.election``."""
    if model.params.information == "oracle" and model.params.election != "none":
        return Oracle(model)
    return PROTOCOLS[model.params.election](model)

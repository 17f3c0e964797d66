"""Timing: how long each agent waits before it gives up on a leader or on an election round.

Raft's rule is broadcast time ≪ election timeout (Ongaro & Ousterhout 2014, §9.3); over many
hops the broadcast time grows, so with ``timeout_scaling="auto"`` (the default):

- a follower suspects after [min + 2ℓ, max + 2ℓ] steps of silence, where ℓ is its own heartbeat
  latency (steps from a beacon's sending to its receipt). Agents near the lost leader notice
  first, and the election one of them starts reaches the far ones before they time out — so a
  large group does not produce hundreds of simultaneous candidates;
- a candidate waits [lo, hi] = [min + 2B, max(max + 4B, 2·lo)] steps for its round to end,
  where B is the group's broadcast time (its slowest member's latency), which the leader
  announces in its beacons (the window is at least [T, 2T], Raft's spread, so candidates that
  stood in the same step draw apart); a voter waits [lo + hi, 2·hi], so the few candidates of
  a failed round try again before the crowd of voters does; and every round an agent takes part
  in doubles these windows until it hears a leader again (up to 2^MAX_BACKOFF times):
  exponential backoff, so after a split vote the competing candidates spread out;
- a candidate's wait restarts whenever a vote reaches it (it is making progress).

``timeout_scaling="fixed"`` uses exactly [election_timeout_min, election_timeout_max] for every
wait: Raft's rule then holds only if the user made the window wide enough.

(min, max are `election_timeout_min`, `election_timeout_max`.) Each agent draws its place in its
window once per wait (`ticket`), so a window that changes while it waits — a new latency, a
new B — moves its timeout with it.
"""

from __future__ import annotations

import numpy as np

MAX_BACKOFF = 5  # a window doubles after each round taken part in, up to 2⁵ times
CANDIDATE, VOTED = 2, 3  # role codes (sim.components.leadership)


class Timing:
    """Every agent's timeouts, read from the leadership state it serves.

    Args:
        lead: the `Leadership` whose agents wait (its params, rng, roles, latencies, beliefs).
    """

    def __init__(self, lead) -> None:
        self.lead = lead
        self.ticket = lead.rng.random(lead.n)  # each agent's place in its window, in [0, 1)
        self.attempts = np.zeros(lead.n, dtype=np.int64)  # rounds taken part in since a leader

    def detect_window(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """How long each row's leader may be silent before it suspects (lo, hi), in steps."""
        p = self.lead.params
        lo, hi = p.election_timeout_min, p.election_timeout_max
        if p.timeout_scaling == "fixed":
            return np.full(len(rows), lo), np.full(len(rows), hi)
        lag = 2 * self.lead.latency[rows]
        return lo + lag, hi + lag

    def overdue(self, t: int) -> np.ndarray:
        """Mask of every agent silent since longer than the low end of its detection window.

        (`detect_window` for all rows at once, without gathering them: the usual step's check
        that nobody is near a timeout.)
        """
        lead = self.lead
        p = lead.params
        # silence t − timer > min (+ 2ℓ), as timer (+ 2ℓ) < t − min: whole steps, one op fewer
        if p.timeout_scaling == "fixed":
            return lead.timer < t - p.election_timeout_min
        return lead.timer + 2 * lead.latency < t - p.election_timeout_min

    def round_window(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """How long each row waits in an election round before it starts over (lo, hi)."""
        p = self.lead.params
        lo, hi = p.election_timeout_min, p.election_timeout_max
        if p.timeout_scaling == "fixed":
            return np.full(len(rows), lo), np.full(len(rows), hi)
        reach = self.lead.knowledge.reach(rows)
        backoff = 1 << np.minimum(self.attempts[rows], MAX_BACKOFF)
        low = lo + 2 * reach
        # at least [T, 2T] (Raft's own spread): with min = max and no measured B the window would
        # be one step wide, and candidates that stood together would tie in every round
        return low * backoff, np.maximum(hi + 4 * reach, 2 * low) * backoff

    def timeout(self, rows) -> np.ndarray:
        """Each row's timeout (steps): its ticket's place in its window.

        Followers and suspects: the detection window. Candidates: the round window. Voters: the
        round window shifted past its own end, so that the candidates of a failed round try
        again before any voter stands (a split vote is retried by a few, not by the crowd).
        """
        rows = np.asarray(rows)
        role = self.lead.role[rows]
        lo, hi = self.detect_window(rows)
        waiting = role >= CANDIDATE
        if waiting.any():
            rlo, rhi = self.round_window(rows[waiting])
            voter = role[waiting] == VOTED
            rlo, rhi = np.where(voter, rlo + rhi, rlo), np.where(voter, 2 * rhi, rhi)
            lo, hi = lo.copy(), hi.copy()
            lo[waiting], hi[waiting] = rlo, rhi
        return lo + (self.ticket[rows] * (hi - lo + 1)).astype(np.int64)

    def redraw(self, rows) -> None:
        """New places in their windows for `rows` (a new wait)."""
        self.ticket[rows] = self.lead.rng.random(len(rows))

    def join_round(self, rows, t: int) -> None:
        """`rows` stand or vote in a new round: the wait restarts, and the window doubles."""
        self.attempts[rows] += 1
        self.lead.timer[rows] = t
        self.redraw(rows)

    def heard_leader(self, rows) -> None:
        """`rows` heard a leader: their windows are back to normal."""
        self.attempts[rows] = 0

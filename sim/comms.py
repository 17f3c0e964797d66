"""Communication: range-limited, lossy, delayed broadcast links.

Agents can exchange messages only with neighbours within `comm_range` (a unit-disk graph);
information reaches agents further away only by relay, one hop per step. Every single message
(one sender → one receiver) is lost independently with probability

    p = message_loss + distance_loss · (d / comm_range)²        (clipped to [0, 1])

— the second term is the distance-dependent loss of robotsim (Vásárhelyi et al. 2018), off by
default — and arrives `comm_delay` steps after it was sent. During a blackout (jamming, in the
abstract) every message is lost.

All message kinds here are *monotone*: a message carries an integer key, and a receiver keeps the
largest key it has heard (fresher heartbeat, higher term, lower candidate id …). That makes
relaying a vectorised max-reduction over the links instead of a per-message Python loop.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.neighbours import both_directions


class Channel:
    """One kind of message, sent over the current links with loss and delay.

    Args:
        n: number of agents (rows).
        delay: steps between sending and delivery (0 = delivered in the step it is sent).
        rng: the model's random generator (the only source of randomness).
    """

    def __init__(self, n: int, delay: int, rng: np.random.Generator) -> None:
        self.n = n
        self.delay = delay
        self.rng = rng
        self._pending: deque[tuple[int, np.ndarray, np.ndarray]] = deque()
        self.sent = 0
        self.delivered = 0
        self._links: np.ndarray | None = None  # the last link array seen, and its two columns
        self._src = self._dst = np.zeros(0, dtype=np.intp)

    def send(
        self,
        time: int,
        senders: np.ndarray,
        keys: np.ndarray,
        links: np.ndarray,
        loss: np.ndarray | float,
    ) -> None:
        """Broadcast `keys[row]` from each sender row to its linked neighbours.

        Args:
            time: the current step.
            senders: boolean mask (n,) of rows that broadcast this step.
            keys: message key per row (n,), int64.
            links: directed links (m, 2) as (source row, destination row), both directions.
            loss: loss probability per link (m,) or one number for all.
        """
        if len(links) == 0 or not senders.any():
            return
        if links is not self._links:  # link arrays are replaced, never modified, when links change
            self._links, self._src, self._dst = links, links[:, 0].copy(), links[:, 1].copy()
        use = senders[self._src]
        if use.all():
            src, dst = self._src, self._dst
        else:
            use = use.nonzero()[0]
            src, dst = self._src[use], self._dst[use]
        self.sent += len(src)
        if isinstance(loss, np.ndarray):
            keep = self.rng.random(len(src)) >= loss[use]
        elif loss > 0:
            keep = self.rng.random(len(src)) >= loss
        else:
            keep = None
        if keep is not None:
            src, dst = src[keep], dst[keep]
        self.delivered += len(src)
        self._pending.append((time + self.delay, dst, keys[src]))

    def receive(self, time: int) -> tuple[np.ndarray, np.ndarray]:
        """Deliveries due by `time`: unique destination rows and the largest key each heard."""
        dst_parts, key_parts = [], []
        while self._pending and self._pending[0][0] <= time:
            _, dst, keys = self._pending.popleft()
            dst_parts.append(dst)
            key_parts.append(keys)
        if not dst_parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
        if len(dst_parts) == 1:
            dst, keys = dst_parts[0], key_parts[0]
        else:
            dst, keys = np.concatenate(dst_parts), np.concatenate(key_parts)
        if len(dst) == 0:
            return dst, keys
        best = np.full(self.n, -1, dtype=np.int64)
        np.maximum.at(best, dst, keys)
        rows = (best >= 0).nonzero()[0]
        return rows, best[rows]

    @property
    def busy(self) -> bool:
        """True while messages are in flight."""
        return bool(self._pending)

    def clear(self) -> None:
        """Drop everything in flight (e.g. during a blackout)."""
        self._pending.clear()


def directed_links(pairs: np.ndarray) -> np.ndarray:
    """Both directions (2m, 2) of undirected pairs (m, 2)."""
    return both_directions(pairs) if len(pairs) else pairs.reshape(0, 2)


def link_loss(
    pos: np.ndarray, links: np.ndarray, base: float, distance_loss: float, comm_range: float
) -> np.ndarray | float:
    """Loss probability per directed link: base plus the robotsim distance term (clipped)."""
    if distance_loss <= 0 or len(links) == 0:
        return base
    d = pos[links[:, 1]] - pos[links[:, 0]]
    frac2 = (d[:, 0] ** 2 + d[:, 1] ** 2) / comm_range**2
    return np.clip(base + distance_loss * frac2, 0.0, 1.0)

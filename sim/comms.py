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

from sim.arrays import count_nonzero
from sim.neighbours import both_directions, pair_vectors


class Channel:
    """One kind of message, broadcast over the current links with loss and delay.

    A message is counted as *sent* once per sender → receiver link it is broadcast on, and as
    *delivered* when it arrives at a receiver that is still active (a message lost on the way,
    or arriving at an agent that has dropped out meanwhile, is not delivered).

    Args:
        n: number of agents (rows).
        delay: steps between sending and delivery (0 = delivered in the step it is sent).
        rng: the model's random generator (the only source of randomness).
    """

    def __init__(self, n: int, delay: int, rng: np.random.Generator) -> None:
        self.n = n
        self.delay = delay
        self.rng = rng
        self._pending: deque[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self.sent = 0
        self.delivered = 0
        self._no_keys = np.full(n, -1, dtype=np.int64)  # (copied: the best key of each row)
        self._links: np.ndarray | None = None  # the last link array seen, and its two columns
        self._src = self._dst = np.zeros(0, dtype=np.intp)
        # tap(time, src, dst, kept) sees every message sent (`sim.traffic`); None: nobody looks
        self.tap = None

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
        if len(links) == 0 or not count_nonzero(senders):
            return
        if links is not self._links:  # link arrays are replaced, never modified, when links change
            # (contiguous columns: views of `both_directions`' column-major links, else copies)
            src, dst = np.ascontiguousarray(links[:, 0]), np.ascontiguousarray(links[:, 1])
            self._links, self._src, self._dst = links, src, dst
        use = senders[self._src]
        if count_nonzero(use) == len(use):
            src, dst = self._src, self._dst
        else:
            use = use.nonzero()[0]
            src, dst = self._src[use], self._dst[use]
        self.sent += len(src)
        if isinstance(loss, np.ndarray):
            keep = self.rng.random(len(src)) >= loss[use]
        elif loss >= 1.0:
            if self.tap is not None:
                self.tap(time, src, dst, False)
            return
        elif loss > 0:
            keep = self.rng.random(len(src)) >= loss
        else:
            keep = None
        if self.tap is not None:
            self.tap(time, src, dst, keep)
        if keep is not None:
            src, dst = src[keep], dst[keep]
        self._pending.append((time + self.delay, src, dst, keys[src]))

    def receive(
        self, time: int, alive: np.ndarray | None = None, with_senders: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Deliveries due by `time` to the `alive` rows (all rows if None).

        Returns:
            (rows, keys, senders): each receiving row once, the largest key it heard, and one
            neighbour that sent it that key (the one a reply would go back to; None unless
            `with_senders`, which costs two passes over the deliveries).
        """
        parts = []
        while self._pending and self._pending[0][0] <= time:
            parts.append(self._pending.popleft())
        if not parts:
            return _nothing()
        if len(parts) == 1:
            _, src, dst, keys = parts[0]
        else:
            src = np.concatenate([p[1] for p in parts])
            dst = np.concatenate([p[2] for p in parts])
            keys = np.concatenate([p[3] for p in parts])
        if alive is not None and len(dst):
            ok = alive[dst]
            if count_nonzero(ok) < len(ok):
                src, dst, keys = src[ok], dst[ok], keys[ok]
        self.delivered += len(dst)
        if len(dst) == 0:
            return _nothing()
        best = self._no_keys.copy()
        np.maximum.at(best, dst, keys)
        rows = (best >= 0).nonzero()[0]
        if not with_senders:
            return rows, best[rows], None
        sender = np.full(self.n, -1, dtype=np.intp)
        won = keys == best[dst]
        sender[dst[won]] = src[won]  # one of the neighbours that sent the best key
        return rows, best[rows], sender[rows]

    @property
    def busy(self) -> bool:
        """True while messages are in flight."""
        return bool(self._pending)


class Unicast:
    """Point-to-point messages, each over one link (e.g. a vote sent one hop back to its candidate).

    The caller keeps track of where each message is; this only decides, per attempt, whether it
    crosses its link, and counts every attempt as sent and every crossing as delivered.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.sent = 0
        self.delivered = 0

    def cross(self, loss: np.ndarray | float, k: int) -> np.ndarray:
        """Send k messages over links with these loss probabilities; mask of those that cross."""
        self.sent += k
        if np.ndim(loss) == 0 and loss <= 0:
            ok = np.ones(k, dtype=bool)
        else:
            ok = self.rng.random(k) >= loss
        self.delivered += int(count_nonzero(ok))
        return ok


def _nothing() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What `Channel.receive` returns when no message arrives: no rows, keys or senders."""
    none = np.zeros(0, dtype=np.intp)
    return none, np.zeros(0, dtype=np.int64), none


def directed_links(pairs: np.ndarray) -> np.ndarray:
    """Both directions (2m, 2) of undirected pairs (m, 2)."""
    return both_directions(pairs) if len(pairs) else pairs.reshape(0, 2)


def link_loss(
    pos: np.ndarray,
    links: np.ndarray,
    base: float,
    distance_loss: float,
    comm_range: float,
    box: float | None = None,
) -> np.ndarray | float:
    """Loss probability per directed link: base plus the robotsim distance term (clipped).

    Distances are the shortest ones: across the edge when the arena wraps (`box`).
    """
    if distance_loss <= 0 or len(links) == 0:
        return base
    d = pair_vectors(pos, links, box)
    frac2 = (d[:, 0] ** 2 + d[:, 1] ** 2) / comm_range**2
    return np.clip(base + distance_loss * frac2, 0.0, 1.0)

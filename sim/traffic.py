"""Message traffic made visible: which messages crossed which links in one step.

The network (`sim.components.network`) can be asked to *trace* its traffic: every message it
sends on a link — a heartbeat, an election message (a vote request, or a FloodMin round's
message), a vote going back to its candidate — is then noted with its sender row, receiver row,
kind and whether the link lost it. Only the UI asks (its "messages" view); a run that does not
ask records nothing and costs nothing more, and tracing draws no random numbers, so a traced
run is the same run.

A large swarm sends hundreds of thousands of messages a step, far more than anyone can see, so
a step keeps at most `MAX_PULSES` of them: every kind gets its fair share (the rare votes are
never crowded out by heartbeats) and within a kind the messages kept are evenly spread
(deterministic: no randomness). `total` still counts them all.

A message is noted in the step it is sent; with `comm_delay` > 0 it arrives later.
"""

from __future__ import annotations

import numpy as np

KINDS = ("heartbeat", "request", "vote")  # the order of the kind codes
HEARTBEAT, REQUEST, VOTE = range(3)
CHANNEL_KINDS = {"heartbeat": HEARTBEAT, "election": REQUEST, "vote": VOTE}  # network channels
# messages kept per step (of all kinds); the rest are counted only. The canvas draws them all:
# 1,700 pulses took 20 ms of a frame at N = 1,000, more than the step's budget (bench-ui)
MAX_PULSES = 800


class Traffic:
    """The messages of the current step, sampled down to `MAX_PULSES`.

    Args:
        cap: most messages kept per step.
    """

    def __init__(self, cap: int = MAX_PULSES) -> None:
        self.cap = cap
        self.time = -1
        self.total = 0  # messages sent this step, before sampling
        self._parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def note(self, time: int, kind: int, src: np.ndarray, dst: np.ndarray, kept) -> None:
        """Messages of `kind` sent at `time` from `src[k]` to `dst[k]`.

        Args:
            time: the step they were sent in (a new step forgets the last one's messages).
            kind: HEARTBEAT, REQUEST or VOTE.
            src: sender rows.
            dst: receiver rows.
            kept: mask of those the link delivered; None when none was lost, False when all were.
        """
        if time != self.time:
            self.time, self.total, self._parts = time, 0, []
        k = len(src)
        if not k:
            return
        self.total += k
        if kept is None:
            lost = np.zeros(k, dtype=bool)
        elif kept is False:
            lost = np.ones(k, dtype=bool)
        else:
            lost = ~kept
        if k > self.cap:  # (one broadcast of a huge swarm: keep no more than a step may show)
            keep = _evenly(k, self.cap)
            src, dst, lost = src[keep], dst[keep], lost[keep]
        self._parts.append((kind, src, dst, lost))

    def pulses(self, time: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, kind, lost) of at most `cap` messages sent at `time` (empty if none)."""
        parts = self._parts if time == self.time else []
        by_kind = {}
        for kind in range(len(KINDS)):
            mine = [p for p in parts if p[0] == kind]
            if mine:
                by_kind[kind] = [np.concatenate([p[i] for p in mine]) for i in (1, 2, 3)]
        out = [[], [], [], []]
        room, left = self.cap, len(by_kind)
        for kind in sorted(by_kind, key=lambda k: len(by_kind[k][0])):  # rare kinds first
            src, dst, lost = by_kind[kind]
            share = room // left
            if len(src) > share:
                keep = _evenly(len(src), share)
                src, dst, lost = src[keep], dst[keep], lost[keep]
            for i, a in enumerate((src, dst, np.full(len(src), kind, np.int8), lost)):
                out[i].append(a)
            room -= len(src)
            left -= 1
        if not by_kind:
            none = np.zeros(0, dtype=np.intp)
            return none, none, np.zeros(0, np.int8), np.zeros(0, bool)
        src, dst, kind, lost = (np.concatenate(a) for a in out)
        return src, dst, kind, lost


def _evenly(k: int, m: int) -> np.ndarray:
    """Indices of m of k items, evenly spread (m < k)."""
    return np.arange(m) * k // m

"""Rewind and replay a run: snapshots of the model plus deterministic re-simulation between them.

A run is a function of its seed, its parameters and the user's interventions (a fault button,
an added waypoint) with the step at which each happened: every random number comes from the
model's own generator, so the same start state stepped the same way gives bit-identical states.
`Timeline` keeps

- **snapshots**: the whole model pickled (positions, beliefs, messages in flight, the
  generator's state, the data collector, the event log) every so often, and
- **interventions**: ``(step, verb, args)`` in the order they happened,

and `Timeline.seek` rebuilds the state at any step from the run's start to the latest step
reached: the nearest snapshot at or before it, stepped forward with the interventions applied
again at their steps. Stepping on after a seek re-creates the known future; an intervention
made there replaces it (the later snapshots and interventions are dropped). `Timeline.replay`
re-simulates a stretch on a copy, leaving the model where it is (the UI's video export).

Cost (measured on a shared 2-core machine): pickling a model takes 1.5-2 ms at 10 agents
(35-180 kB, growing with the collected history) and 3-10 ms at 1,000 (0.5-0.7 MB), against
0.5 and 2.5 ms per step. So snapshots are not taken every K steps for a fixed K: a snapshot is
due once the steps since the last one took `1 / BUDGET` (50) times as long as that snapshot
did, and at least `MIN_EVERY` steps later. Measured over runs of 3,000 / 1,500 / 300 steps at
10 / 50 / 1,000 agents: snapshots every ~120 / 30 / 60 steps, 2 % of the stepping time, 3-5 MB.
A seek re-simulates at most about 50 snapshots' time (0.1 s at 10 agents, 0.5 s at 1,000).
Memory is bounded by `MAX_BYTES`: past it every second snapshot is dropped and snapshots
become half as frequent (a long run at 10,000 agents then re-simulates more steps per seek).
`every=K` fixes the interval instead (tests use it to seek exactly onto and between
snapshots). Where snapshots fall never changes the states a seek gives.

Snapshots hold a state *after* a step and *before* the interventions made at that step; the
state the timeline shows at a step is the one after them (what the screen showed last there).
"""

from __future__ import annotations

import pickle
import time
from bisect import bisect_right
from typing import Any

BUDGET = 0.02  # snapshots aim at this fraction of the time spent stepping (5 % at most)
MIN_EVERY = 10  # steps between snapshots at least
MAX_BYTES = 64 * 2**20  # snapshots of one run together (bytes)


class Timeline:
    """The history of one model: seek back to any step reached and play on from there.

    Args:
        model: a `SwarmModel` (or any model stepped by `step()`, with `time`); this timeline
            steps it from now on (`step`, `apply`), and `seek` may replace it (`model`).
        every: take a snapshot every this many steps; None (default) spaces them by cost.
        keep: names of the model's attributes the snapshots hold by reference, not copied
            (a lock shared with others); a restored model gets the same objects.

    Raises:
        ValueError: if `every` is not a whole number >= 1.
    """

    def __init__(self, model, every: int | None = None, keep: tuple[str, ...] = ()) -> None:
        if every is not None and (isinstance(every, bool) or int(every) != every or every < 1):
            raise ValueError(f"every must be a whole number >= 1 (or None); got {every!r}")
        self.model = model
        self.every = every
        self._keep = {name: getattr(model, name) for name in keep}
        self.start = int(model.time)
        self.latest = self.start  # the latest step reached (the end of the known future)
        self.head = model  # the model at `latest` (kept when a seek goes back)
        self.times: list[int] = []  # steps of the snapshots, ascending
        self.blobs: list[bytes] = []
        self.interventions: list[tuple[int, str, tuple]] = []  # (step, verb, args), in order
        self.spacing = 1.0  # multiplies the time between snapshots; doubles at each thinning
        self._stepped = 0.0  # seconds of stepping since the last snapshot
        self._cost = 0.0  # seconds the last snapshot took
        self._snapshot()

    # ------------------------------------------------------------------ verbs
    def step(self) -> None:
        """One step of the model; then the snapshot if one is due, and the known interventions."""
        model = self.model
        began = time.perf_counter()
        model.step()
        self._stepped += time.perf_counter() - began
        self.record()
        now = int(model.time)
        for step, verb, args in self.interventions:
            if step == now:
                getattr(model, verb)(*args)

    def record(self) -> None:
        """Note the model's step after it was stepped (by `step`, or by someone else)."""
        now = int(self.model.time)
        if self._due(now):
            self._snapshot()
        if now >= self.latest:
            self.latest, self.head = now, self.model

    def apply(self, verb: str, *args: Any) -> Any:
        """Call the model's `verb` (e.g. "drop_agent", 3) now, and remember it for replays.

        Made before the latest step reached, it replaces the known future.
        """
        now = int(self.model.time)
        result = getattr(self.model, verb)(*args)
        if now < self.latest:
            self._forget_after(now)
        self.interventions.append((now, verb, tuple(args)))
        self.latest, self.head = now, self.model
        return result

    def seek(self, step: int):
        """Make the model the state at `step` (as last shown there) and return it.

        Raises:
            ValueError: unless `step` is a whole number from the run's first step to the latest
                step reached (a step never reached has no state yet: step on to reach it).
        """
        if isinstance(step, bool) or int(step) != step or not self.start <= step <= self.latest:
            raise ValueError(
                f"step must be a whole number in [{self.start}, {self.latest}] "
                f"(the steps reached so far); got {step!r}"
            )
        step = int(step)
        now = int(self.model.time)
        if step == now:
            return self.model
        if step == self.latest:
            self.model = self.head
            return self.model
        i = bisect_right(self.times, step) - 1
        if not self.times[i] <= now < step:  # cheaper to restore than to step the model on
            self.model = self._restore(i)
            self._apply_known(self.times[i])
        while int(self.model.time) < step:
            self.model.step()
            self._apply_known(int(self.model.time))
        return self.model

    def fork(self) -> Timeline:
        """A second timeline sharing this one's past up to the step shown, then going its own way.

        Its model is an exact copy of the model now (positions, messages in flight, the
        generator's state); its history is this one's snapshots and interventions up to now, so
        it seeks anywhere in that past, and stepped on alone it gives the very states this one
        would. Interventions applied to it from now on (`apply`) are its own.
        """
        now = int(self.model.time)
        twin = Timeline.__new__(Timeline)
        twin.__dict__.update(self.__dict__)
        state = self.model.__dict__
        kept = {name: state.pop(name) for name in self._keep}
        try:
            twin.model = pickle.loads(pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            state.update(kept)
        twin.model.__dict__.update(self._keep)
        keep = bisect_right(self.times, now)
        twin.times, twin.blobs = self.times[:keep], self.blobs[:keep]
        twin.interventions = [iv for iv in self.interventions if iv[0] <= now]
        twin.latest, twin.head = now, twin.model
        twin._stepped = 0.0
        return twin

    # ------------------------------------------------------------------ queries
    def replay(self, first: int, last: int):
        """Yield the state at each step from `first` to `last`, as `seek` would show it.

        Re-simulated on a copy from the snapshot at or before `first`: the timeline's own
        model is left as it is (e.g. a video of an earlier stretch while the page shows now).
        The same copy is yielded each time, stepped on; read it before asking for the next.

        Raises:
            ValueError: unless first <= last are whole steps reached (as for `seek`).
        """
        for name, step in (("first", first), ("last", last)):
            if isinstance(step, bool) or int(step) != step or not self.start <= step <= self.latest:
                raise ValueError(
                    f"{name} step must be a whole number in [{self.start}, {self.latest}] "
                    f"(the steps reached so far); got {step!r}"
                )
        if first > last:
            raise ValueError(f"first step must not be after the last; got {first} > {last}")
        i = bisect_right(self.times, first) - 1
        model = self._restore(i)
        self._apply_known(self.times[i], model)
        while int(model.time) < last:
            if int(model.time) >= first:
                yield model
            before = int(model.time)
            model.step()
            if int(model.time) == before:  # (a model that will not step on: its run is over)
                break
            self._apply_known(int(model.time), model)
        yield model

    def events(self) -> list[tuple[int, str, int, str]]:
        """The event log of the whole known run, up to the latest step reached."""
        return list(self.head.events)

    def snapshot_bytes(self) -> int:
        """Memory the snapshots take (bytes)."""
        return sum(len(b) for b in self.blobs)

    # ------------------------------------------------------------------ inside
    def _due(self, now: int) -> bool:
        if now <= self.times[-1]:
            return False
        if self.every is not None:
            return now - self.times[-1] >= self.every * self.spacing
        far = now - self.times[-1] >= MIN_EVERY * self.spacing
        return far and self._stepped * BUDGET >= self._cost * self.spacing

    def _snapshot(self) -> None:
        began = time.perf_counter()
        state = self.model.__dict__
        kept = {name: state.pop(name) for name in self._keep}
        try:
            blob = pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            state.update(kept)
        self.times.append(int(self.model.time))
        self.blobs.append(blob)
        self._cost = time.perf_counter() - began
        self._stepped = 0.0
        if len(self.blobs) > 2 and self.snapshot_bytes() > MAX_BYTES:
            self._thin()

    def _thin(self) -> None:
        """Keep the first and every second snapshot after it; space new ones twice as far."""
        keep = [0, *range(2, len(self.times), 2)]
        if len(self.times) - 1 not in keep:
            keep.append(len(self.times) - 1)
        self.times = [self.times[i] for i in keep]
        self.blobs = [self.blobs[i] for i in keep]
        self.spacing *= 2

    def _restore(self, i: int):
        model = pickle.loads(self.blobs[i])
        model.__dict__.update(self._keep)
        return model

    def _apply_known(self, step: int, model=None) -> None:
        """Make the interventions made at `step` again, on `model` (default: the timeline's)."""
        model = self.model if model is None else model
        for at, verb, args in self.interventions:
            if at == step:
                getattr(model, verb)(*args)

    def _forget_after(self, step: int) -> None:
        """Drop the future after `step`: later snapshots and interventions."""
        keep = bisect_right(self.times, step)
        del self.times[keep:], self.blobs[keep:]
        self.interventions = [iv for iv in self.interventions if iv[0] <= step]
        self._stepped = 0.0

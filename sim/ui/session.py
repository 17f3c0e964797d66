"""One browser session's swarm(s): parameters, seed, the model, the comparison model, faults.

Plain Python (no Solara), so it is tested without a browser. Every browser session builds its
own `Session`; nothing here is shared between sessions. Bad input raises `ValueError` whose text
the UI shows inline.

Each swarm runs on a `sim.timeline.Timeline`: steps and faults go through it, so the page can
go back to any step reached (`seek`) and play on. In compare mode both swarms seek together.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
from mesa.experimental.scenarios import Scenario

from sim.checks import coerce_seed
from sim.model import SwarmModel
from sim.params import SwarmParams, specs
from sim.presets import DEFAULT_PRESET, PRESETS
from sim.timeline import Timeline

_RUN_IDS = itertools.count(1)


class LiveSwarm(SwarmModel):
    """The swarm a browser session shows: built from the session's settings, stepped under its lock.

    The step itself takes the session's (re-entrant) lock, so it never interleaves with the Play
    loop (a thread) or a fault button. `scenario` is accepted as Mesa's SolaraViz passes it.
    """

    def __init__(self, session: Session, scenario: Scenario | None = None, **overrides) -> None:
        self.lock = session.lock
        super().__init__(rng=session.seed, scenario=scenario, **{**session.params, **overrides})

    def step(self) -> None:
        """One step of the swarm, under the session's lock; none once the mission is over.

        (A click that arrives just as the mission ends must not step past it.)
        """
        with self.lock:
            if not self.mission_over:
                super().step()


class Session:
    """The state behind one browser page.

    Attributes:
        params: parameter overrides typed by the user (applied on Reset), by field name.
        seed: the run's seed (an int, or None for a fresh random one).
        preset: the lesson whose parameters are loaded ('' for none).
        compare: None, or (field, value) that the second swarm changes.
        branch: None, or the `sim.ui.branch.Branch` swarm B was forked by (B = A up to a step,
            then one change); a Reset or leaving compare mode ends it.
    """

    def __init__(
        self, preset: str | None = DEFAULT_PRESET, model: SwarmModel | None = None
    ) -> None:
        self.lock = threading.RLock()
        self.params: dict[str, Any] = {}
        self.seed: int | None = None
        self.preset = ""
        self.compare: tuple[str, Any] | None = None
        self.branch: Any = None
        self.models: list[SwarmModel] = []
        self.timelines: list[Timeline] = []  # one per swarm: its history (see `seek`)
        self.runs: list[int] = []
        self.synced_at = 0  # the main swarm's time when all swarms were last in step
        # the user's random picks must not consume the model's own random stream
        self._pick = np.random.default_rng()
        if model is not None:  # show a model built elsewhere (Mesa's SolaraViz, a notebook)
            self.seed = model.seed if isinstance(model.seed, int) else None
            self.adopt(model)
        else:
            self.load_preset(preset or DEFAULT_PRESET)

    # ------------------------------------------------------------------ building
    def load_preset(self, name: str) -> None:
        """Load a lesson's parameters and seed, and rebuild the swarm(s)."""
        if name not in PRESETS:
            raise ValueError(f"lesson must be one of {', '.join(PRESETS)}; got {name!r}")
        self.preset = name
        self.params = dict(PRESETS[name].overrides)
        self.seed = PRESETS[name].seed
        self.reset()

    def set_seed(self, text: Any) -> None:
        """Set the seed from a text field (empty = random), parsed as the model parses `rng`."""
        self.seed = coerce_seed(text)

    def set_param(self, name: str, value: Any) -> None:
        """Change one parameter (validated now, applied on Reset)."""
        trial = {**self.params, name: value}
        _validate(trial)
        self.params = trial

    def settings_fields(self) -> set[str]:
        """Names of the inputs a Reset reads: every parameter, and the seed."""
        return {*specs(), "seed"}

    def current(self, name: str) -> Any:
        """The value a Reset uses for parameter `name` (or the seed; 'random' for none)."""
        if name == "seed":
            return "random" if self.seed is None else self.seed
        return self.params.get(name, specs()[name]["default"])

    def reset(self) -> None:
        """Rebuild the model (and the comparison model) from the current parameters and seed."""
        self.adopt(LiveSwarm(self))

    def adopt(self, model: SwarmModel) -> None:
        """Make `model` the main swarm (e.g. one Mesa's Reset built) and rebuild swarm B."""
        with self.lock:
            models = [model]
            if self.compare is not None:
                field, value = self.compare
                models.append(LiveSwarm(self, **{field: value}))
            self.models = models
            self.timelines = [_timeline(m) for m in models]
            self.runs = [next(_RUN_IDS) for _ in models]
            self.synced_at = int(model.time)
            self.branch = None

    def set_compare(self, field: str | None, value: Any = None) -> None:
        """Turn compare mode on (a second swarm with `field` = `value`) or off (field None)."""
        if field is None:
            self.compare = None
        else:
            _validate({**self.params, field: value})
            self.compare = (field, value)
        self.reset()

    # ------------------------------------------------------------------ running
    @property
    def model(self) -> SwarmModel:
        """The main swarm."""
        return self.models[0]

    @property
    def running(self) -> bool:
        """True while any swarm's mission goes on (a failed run would go on to max_steps)."""
        return any(not m.mission_over for m in self.models)

    def step(self, n: int = 1) -> None:
        """Advance every swarm by `n` steps, together."""
        with self.lock:
            for _ in range(n):
                for line in self.timelines:
                    if not line.model.mission_over:
                        line.step()
                self.synced_at = int(self.model.time)

    def catch_up(self) -> bool:
        """Step swarm B up to the main swarm's time after something else stepped the main one.

        Mesa's Step and Play step only the model they hold. Returns whether it had moved.
        """
        with self.lock:
            now = self.model.time
            if now == self.synced_at:
                return False
            self.timelines[0].record()
            for line in self.timelines[1:]:
                while not line.model.mission_over and line.model.time < now:
                    line.step()
            self.synced_at = int(now)
            return True

    @property
    def latest(self) -> int:
        """The latest step any swarm has reached (the end of the timeline)."""
        return max(line.latest for line in self.timelines)

    def seek(self, step: Any) -> None:
        """Show every swarm at `step` (a swarm whose run ended earlier: at its end).

        The swarms play on from there; a fault or a waypoint added there replaces what
        followed. Raises ValueError unless `step` is a whole number in [0, latest].
        """
        with self.lock:
            first, last = self.timelines[0].start, self.latest
            if isinstance(step, bool) or not isinstance(step, int) or not first <= step <= last:
                raise ValueError(f"step must be a whole number in [{first}, {last}]; got {step!r}")
            for i, line in enumerate(self.timelines):
                self.models[i] = line.seek(min(max(step, line.start), line.latest))
            self.runs = [next(_RUN_IDS) for _ in self.models]  # (the view clears its trails)
            self.synced_at = int(self.model.time)

    # ------------------------------------------------------------------ faults
    def _each(self, which: int | None) -> list[Timeline]:
        return self.timelines if which is None else [self.timelines[which]]

    def drop_leader(self, which: int | None = None) -> None:
        """Make the leader drop out (in every swarm, or only swarm `which`)."""
        with self.lock:
            for line in self._each(which):
                line.apply("drop_leader")

    def drop_random(self, which: int | None = None) -> int | None:
        """Make one randomly chosen active agent drop out; return its unique_id."""
        with self.lock:
            alive = np.flatnonzero(self.model.active)
            if not len(alive):
                return None
            uid = int(self.model.ids[self._pick.choice(alive)])
            for line in self._each(which):
                if line.model.active[uid - 1]:
                    line.apply("drop_agent", uid)
            return uid

    def drop_agent(self, uid: int, which: int | None = None) -> None:
        """Make the agent with this unique_id drop out."""
        with self.lock:
            for line in self._each(which):
                line.apply("drop_agent", int(uid))

    def add_waypoint(self, x: float, y: float, which: int | None = None) -> None:
        """Append a waypoint to the leader's route (it must lie inside the arena)."""
        size = self.model.arena_size
        if not (0 <= x <= size and 0 <= y <= size):
            raise ValueError(
                f"a waypoint must lie inside the arena, [0, {size:g}] m on each axis; "
                f"got ({x:.1f}, {y:.1f}): click inside the square"
            )
        with self.lock:
            for line in self._each(which):
                line.apply("add_waypoint", (float(x), float(y)))

    def jam(self, steps: Any, which: int | None = None) -> None:
        """Black out all messages for `steps` steps."""
        n = _whole(steps, "jam steps", 1, 10_000)
        with self.lock:
            for line in self._each(which):
                line.apply("jam_communications", n)

    def lose_positioning(self, which: int | None = None) -> None:
        """Positioning lost: agents fall back on dead reckoning and drift."""
        with self.lock:
            for line in self._each(which):
                line.apply("lose_positioning")


def _timeline(model: SwarmModel) -> Timeline:
    """The timeline of a swarm; a swarm of ours shares the session's lock with its past states."""
    return Timeline(model, keep=("lock",) if isinstance(model, LiveSwarm) else ())


def _validate(params: dict[str, Any]) -> None:
    """Raise ValueError (naming the field) unless `params` build valid SwarmParams."""
    SwarmParams.build(**params)


def _whole(value: Any, name: str, lo: int, hi: int) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number in [{lo}, {hi}]; got {value!r}") from None
    if not lo <= n <= hi:
        raise ValueError(f"{name} must be a whole number in [{lo}, {hi}]; got {value!r}")
    return n


def compare_fields() -> dict[str, dict[str, Any]]:
    """Parameters a comparison can vary (everything except free-form ones)."""
    return {k: v for k, v in specs().items() if v["kind"] is not tuple}

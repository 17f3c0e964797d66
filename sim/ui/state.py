"""Per-page UI state: the session, the reactive values components listen to, and Play pacing.

Created once per browser page (`use_page_state`), so two visitors never share a swarm.
Components subscribe to as little as possible: only the space view reads `frame` (changes every
step); charts, the event log and the status line read `tick` (at most a few times a second
during Play).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

import solara

from sim.ui import frames
from sim.ui.session import Session

SLOW_PERIOD = 0.3  # s between chart / log refreshes during Play
UNSEEN_PAUSE = 3.0  # s without any painted step before Play pauses by itself
DEBUG = bool(os.environ.get("SWARM_UI_DEBUG"))  # print play-loop timings
# Steps sent but not yet painted at full speed (`in_flight`): none for small swarms, so Pause
# stops within one step of the screen at ~57 steps/s (the canvas paints a step as soon as it
# arrives, one per display frame); one for larger swarms keeps the server and the browser
# busy at once (`make bench-ui`, N = 1,000: 55 steps/s; Pause within two steps). At a
# chosen speed none is. tests/browser measure Pause at both speeds.
SMALL_SWARM = 200  # agents: up to here no step is in flight
IN_FLIGHT_AT_SPEED = 0
ACK_TIMEOUT = 0.5  # s per wait for the browser to paint (re-checks Pause in between)
# Play speeds offered in the control bar: label -> steps per second (None: as fast as it paints)
SPEEDS = {"max": None, "30 steps/s": 30.0, "10 steps/s": 10.0, "3 steps/s": 3.0, "1 step/s": 1.0}

log = logging.getLogger(__name__)


def in_flight(n: int) -> int:
    """Steps Play may send ahead of the browser's painting at full speed, for `n` agents."""
    return 0 if n <= SMALL_SWARM else 1


class Pacer:
    """Tracks which step of which run the browser has painted, so Play never runs ahead."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.run = -1
        self.painted = -1

    def ack(self, run: int, t: int) -> None:
        """The browser painted step `t` of model instance `run`."""
        with self._cond:
            self.run, self.painted = int(run), int(t)
            self._cond.notify_all()

    def seen(self, run: int) -> int:
        """Last painted step of `run` (-1 if none yet)."""
        return self.painted if self.run == run else -1

    def wait(self, run: int, t: int, timeout: float = ACK_TIMEOUT) -> bool:
        """Wait until step `t` (or later) of `run` has been painted; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.seen(run) >= t, timeout=timeout)


@dataclass
class PageState:
    """Everything one page needs: its session and the reactive values of its components."""

    session: Session
    frame: solara.Reactive
    tick: solara.Reactive
    playing: solara.Reactive
    message: solara.Reactive
    notice: solara.Reactive  # why Play stopped by itself (pause at step N / at the next event)
    bad: solara.Reactive  # input name -> (text typed, why it was refused): shown at the input
    version: solara.Reactive  # bumped when parameters change outside their own controls
    links: solara.Reactive
    slots: solara.Reactive
    trails: solara.Reactive
    zoom: solara.Reactive  # follow the swarm instead of showing the whole arena
    speed: solara.Reactive = field(default_factory=lambda: solara.reactive("max"))  # SPEEDS key
    pause_on_event: solara.Reactive = field(default_factory=lambda: solara.reactive(False))
    pause_at: solara.Reactive = field(default_factory=lambda: solara.reactive(None))  # step | None
    presenter: solara.Reactive = field(default_factory=lambda: solara.reactive(False))
    messages: solara.Reactive = field(default_factory=lambda: solara.reactive(True))  # pulses
    selected: solara.Reactive = field(default_factory=lambda: solara.reactive(None))  # an id
    guide: object = None  # guided lessons' page state: sim/ui/guide.py (None: not on this page)
    keyboard: bool = False  # the page's shortcuts (our page: on; Mesa's SolaraViz has its own)
    pacer: Pacer = field(default_factory=Pacer)
    widgets: dict = field(default_factory=dict)  # name -> live widget (see views.use_live)
    play_gen: int = 0
    last_sent: dict | None = None  # the last frames Play sent (straight to the widgets)
    steps_shown: int = 0  # steps sent to the view by Play (for diagnostics)
    timing: list = field(default_factory=lambda: [0.0, 0.0, 0.0, 0])

    def build_frame(self) -> dict:
        """Frames of every swarm in the session (the second one only in compare mode)."""
        s = self.session
        out = {}
        for key, model, run in zip("ab", s.models, s.runs, strict=False):
            out[key] = frames.space_frame(
                model,
                run,
                links=self.links.value,
                slots=self.slots.value,
                messages=self.messages.value,
                selected=self.selected.value,
            )
        return out

    def refresh(self, slow: bool = True) -> None:
        """Send the current step to the view (and to charts, log and status when `slow`)."""
        self.frame.set(self.build_frame())
        if slow:
            self.tick.set(self.tick.value + 1)

    def guarded(self, action, *args, field: str | None = None) -> bool:
        """Run a user action; never let it take the page down.

        Bad input (ValueError) becomes a message: next to the input `field` when the action
        came from one (the field keeps the text typed and is marked, see `field_error`), else
        under the control bar. Anything else is logged on the server with its traceback and
        reported in one line; the page stays up.
        """
        self.notice.set("")  # why Play stopped is old news once the user acts
        try:
            action(*args)
        except ValueError as exc:
            if field is None:
                self.message.set(str(exc))
            else:
                typed = str(args[-1]) if args else ""
                self.bad.set({**self.bad.value, field: (typed, str(exc))})
            return False
        except Exception as exc:  # noqa: BLE001  (a UI callback must never raise into the page)
            log.exception("UI action %s failed", getattr(action, "__name__", action))
            self.message.set(
                f"That did not work ({type(exc).__name__}: {exc}); details are in the server log."
            )
            return False
        if field is not None and field in self.bad.value:
            self.bad.set({k: v for k, v in self.bad.value.items() if k != field})
        self.message.set("")
        return True

    def field_error(self, field: str) -> tuple[str, str] | None:
        """(text typed, why it was refused) for an input whose last value was bad, else None."""
        return self.bad.value.get(field)

    def play_loop(self) -> None:
        """Step and show, each step painted before the next is sent, until paused or done."""
        if not self.playing.value:
            return
        try:
            self._play()
        except Exception as exc:  # noqa: BLE001  (the loop runs in a thread: report, stop, stay up)
            log.exception("Play stopped by an error")
            self.playing.set(False)
            self.message.set(
                f"Play stopped: {type(exc).__name__}: {exc} (details in the server log)"
            )

    def set_pause_at(self, text) -> None:
        """'Pause at step N' from its text field ('' = off)."""
        text = str(text).strip()
        if not text:
            self.pause_at.set(None)
            return
        if not text.isdigit():
            raise ValueError(f"pause at step must be a whole number >= 0 (or empty); got {text!r}")
        self.pause_at.set(int(text))

    def play(self) -> None:
        """The Play button (and the space key): run until paused, the mission ends or a stop."""
        if not self.session.running:
            return
        self.message.set("")
        self.notice.set("")
        self.playing.set(True)

    def toggle_play(self) -> None:
        """Space key: Play when paused, Pause when playing."""
        if self.playing.value:
            self.pause()
        else:
            self.play()

    def toggle_presenter(self) -> None:
        """Presenter mode on or off (the button, and the p key): the view fills the page."""
        self.presenter.set(not self.presenter.value)

    def key_step(self) -> None:
        """Right arrow: one step (not during Play, not after the mission)."""
        if not self.playing.value and self.session.running:
            self.guarded(self.step_once)

    def key_reset(self) -> None:
        """'r': Reset."""
        self.guarded(self.reset)

    def step_once(self) -> None:
        """The Step button: one step of every swarm, shown at once."""
        self.session.step()
        self.refresh()

    def reset(self) -> None:
        """The Reset button: rebuild the swarm(s) from the current parameters and seed.

        Inputs still holding a refused value do not apply: Reset says so, naming them and the
        last good value it used instead.
        """
        self.pause()
        self.session.reset()
        self.refresh()
        kept = [f for f in self.bad.value if f in self.session.settings_fields()]
        if kept:
            used = ", ".join(f"{f} = {self.session.current(f)}" for f in kept)
            self.notice.set(f"Reset used the last good value: {used} (the value typed was refused)")

    def seek(self, step) -> None:
        """The timeline: show every swarm at `step` (pausing Play first); Play goes on from it."""
        self.pause()
        self.session.seek(step)
        self.refresh()

    def _should_stop(self, t_before: float, events_before: int) -> str:
        """Why Play stops after this step ('' to go on): a guide, step N or a new event."""
        m = self.session.model
        if self.guide is not None and (why := self.guide.should_stop(m, t_before)):
            return why
        at = self.pause_at.value
        if at is not None and t_before < at <= m.time:
            return f"paused at step {int(m.time)}"
        if self.pause_on_event.value and len(m.events) > events_before:
            kind = m.events[events_before][1]  # the first of this step's events
            return f"paused at step {int(m.time)}: {kind.replace('_', ' ')}"
        return ""

    def pause(self) -> None:
        """Stop Play. The loop notices before its next step and shows the final state itself.

        No waiting here: the loop's last render may need the lock this click holds. Session
        actions that follow (reset, a lesson) take the session lock, so they never interleave
        with a step.

        The views show the loop's latest step at once: Play updated their widgets behind
        reacton's back, and this click's render pass would otherwise put their pre-Play values
        back (a step backwards on screen, and for good if the loop's own final update is lost).
        """
        if self.playing.value and self.last_sent is not None:
            self.frame.set(self.last_sent)
            self.tick.set(self.tick.value + 1)
        self.playing.set(False)
        self.play_gen += 1

    def _play(self) -> None:
        self.play_gen += 1
        gen = self.play_gen
        self.last_sent = None
        last_slow = time.monotonic()
        next_at = time.monotonic()
        while self.playing.value and gen == self.play_gen:
            if not self.session.running:
                self.show_latest()
                self.playing.set(False)
                break
            rate = SPEEDS.get(self.speed.value)
            if rate:  # a chosen speed: wait for this step's turn (Pause is seen within 50 ms)
                while time.monotonic() < next_at and self.playing.value and gen == self.play_gen:
                    time.sleep(min(0.05, next_at - time.monotonic()))
                if not (self.playing.value and gen == self.play_gen):
                    break
                next_at = max(next_at + 1.0 / rate, time.monotonic())
            t_before, events_before = self.session.model.time, len(self.session.model.events)
            c0 = time.perf_counter()
            with self.session.lock:  # a seek (or Reset) that paused Play wins over this step
                if gen != self.play_gen:
                    break
                self.session.step()
            f = self.build_frame()
            c1 = time.perf_counter()
            self.last_sent = f  # before sending: a Pause from now on shows this step
            self.push_step(f)
            c2 = time.perf_counter()
            self.steps_shown += 1
            # never run more than `in_flight` steps ahead of what the browser has painted
            # (no skipping: if the browser falls behind, Play slows down to its pace)
            ahead = in_flight(len(f["a"]["st"])) if rate is None else IN_FLIGHT_AT_SPEED
            run, t = f["a"]["run"], f["a"]["t"] - ahead
            waited = 0.0
            while not self.pacer.wait(run, t) and self.playing.value and gen == self.play_gen:
                waited += ACK_TIMEOUT
                if waited >= UNSEEN_PAUSE:  # tab closed or hidden: stop
                    self.playing.set(False)
                    break
            c3 = time.perf_counter()
            if DEBUG:
                self.timing = [
                    a + b for a, b in zip(self.timing, (c1 - c0, c2 - c1, c3 - c2, 1), strict=True)
                ]
                if sum(self.timing[:3]) > 2.0:  # a line every 2 s of Play
                    k = self.timing[3]
                    ms = ", ".join(
                        f"{name} {1e3 * v / k:.1f}"
                        for name, v in zip(("step", "push", "wait"), self.timing, strict=False)
                    )
                    print(f"play loop ms/step over {k} steps: {ms}", flush=True)
                    self.timing = [0.0, 0.0, 0.0, 0]
            now = time.monotonic()
            if now - last_slow > SLOW_PERIOD:
                self.push_slow()
                last_slow = now
            why = self._should_stop(t_before, events_before)
            if why:
                self.show_latest()
                self.playing.set(False)
                self.message.set("")
                self.notice.set(why)
                break
        self.show_latest()

    def show_latest(self) -> None:
        """Bring reacton's copy of the views up to the current step (Play went around it).

        Before Play stops by itself: the render that `playing` = False causes would otherwise
        send the views their pre-Play values again (seen for ~1 s after 'pause at step').
        """
        self.frame.set(self.build_frame())
        self.tick.set(self.tick.value + 1)

    def push_step(self, f: dict) -> None:
        """Send one step of Play straight to the canvas widgets (a "batch": queued once).

        Going through a reactive value would make reacton reconcile the whole page (every
        sidebar control) for each step; setting the widget's trait sends one small message.
        Each step is sent once: `make bench-ui` counts every painted step and has never seen
        one skipped (resending the unpainted ones cost 20 ms a step for 10,000 agents).
        """
        for key, value in f.items():
            widget = self.widgets.get("space_" + key)
            if widget is not None:
                widget.frame = {"batch": [value]}

    def push_slow(self) -> None:
        """Send charts, event log and status straight to their widgets (during Play)."""
        w = self.widgets
        if "charts" in w:
            w["charts"].chart = frames.chart_payload(self.session)
        if "status" in w:
            w["status"].unsafe_innerHTML = frames.status_text(self.session)
        for i, model in enumerate(self.session.models):
            if f"log_{i}" in w:
                w[f"log_{i}"].unsafe_innerHTML = frames.log_html(model)
        if "timeline" in w:
            w["timeline"].line = frames.timeline_payload(self.session)


def _new_state(session: Session | None = None) -> PageState:
    session = session if session is not None else Session()
    state = PageState(
        session=session,
        frame=solara.reactive(None),
        tick=solara.reactive(0),
        playing=solara.reactive(False),
        message=solara.reactive(""),
        notice=solara.reactive(""),
        bad=solara.reactive({}),
        version=solara.reactive(0),
        links=solara.reactive(False),
        slots=solara.reactive(False),
        trails=solara.reactive(True),
        zoom=solara.reactive(True),  # follow the swarm: a 10-agent wedge fills the view
    )
    state.frame.value = state.build_frame()
    return state


def state_around(model) -> PageState:
    """A page state whose session shows `model`, driven by someone else (Mesa's SolaraViz)."""
    return _new_state(Session(preset=None, model=model))


def use_page_state() -> PageState:
    """This page's state, built on its first render (one per browser page)."""
    return solara.use_memo(_page_state, [])


def _page_state() -> PageState:
    state = _new_state()
    state.keyboard = True
    return state


# Provided by our page, read by the panels (Mesa's SolaraViz passes them only the model).
PageContext = solara.create_context(None)

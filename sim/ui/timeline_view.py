"""The timeline under the space view: drag back to any step reached, and play on from there.

A range slider from the run's first step to the latest one reached (keyboard: arrows, Home,
End), with the run's events marked along it (leader lost ▼, new leader ●, recovered ◆,
mission end ■, and in a branch the step B was forked ▲; click one to jump to its step).
Moving it pauses Play and shows that step in the view, the charts, the event log and the
status (`sim.timeline.Timeline` rebuilds the state: a snapshot, re-simulated forward). Play
goes on from there; a fault or a waypoint added there replaces what followed. In compare mode
both swarms go to the step together; the marks are swarm A's.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.ui import frames
from sim.ui.state import PageState
from sim.ui.views import use_live

# a 16 px thumb on a thin track: the marks sit 8 px in from each end, over the thumb's centre
STYLE = """
.swarm-scrubber { -webkit-appearance: none; appearance: none; height: 15px; background: none; }
.swarm-scrubber::-webkit-slider-runnable-track { height: 5px; border-radius: 3px;
  background: #c8ccd2; }
.swarm-scrubber::-moz-range-track { height: 5px; border-radius: 3px; background: #c8ccd2; }
.swarm-scrubber::-webkit-slider-thumb { -webkit-appearance: none; width: 16px; height: 16px;
  margin-top: -5.5px; box-sizing: border-box; border-radius: 50%; background: #1c5fa8;
  border: 2px solid #fff;
  cursor: pointer; }
.swarm-scrubber::-moz-range-thumb { width: 16px; height: 16px; box-sizing: border-box;
  border-radius: 50%;
  background: #1c5fa8; border: 2px solid #fff; cursor: pointer; }
.swarm-scrubber:focus-visible { outline: 2px solid #1c5fa8; outline-offset: 3px; }
.swarm-mark:focus-visible { outline: 2px solid #1c5fa8; }
"""


@solara.component_vue("timeline.vue")
def TimelineSlider(line: dict, event_seek: Callable[[int], None] | None = None):
    """The slider and its marks; `event_seek` gets the step chosen (see module docstring)."""


@solara.component
def TimelineBar(state: PageState):
    """The page's timeline, under the space view(s)."""
    state.tick.value  # noqa: B018  (every step shown, fault and seek refreshes it)

    def seek(step):
        state.guarded(state.seek, int(step))

    solara.Style(STYLE)
    line = frames.timeline_payload(state.session)
    fork = state.session.branch
    if fork is not None:  # where B was forked off A (sim.ui.branch)
        line["marks"] = [*line["marks"], [fork.step, "branch", f"branch: B gets {fork.change}"]]
    el = TimelineSlider(line=line, event_seek=seek)
    use_live(state, "timeline", el)

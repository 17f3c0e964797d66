"""The Solara app: watch, steer, break and compare a leader-follower swarm.

Serve it with ``swarm-sim ui`` (or ``solara run sim/ui/app.py``). Laid out like every Mesa
SolaraViz app (title bar, controls in the sidebar, views in the main area), with a canvas space
view and canvas charts because matplotlib re-rendering caps Play at ~10 steps/s. Every browser
page builds its own swarm (`use_page_state`).
"""

from __future__ import annotations

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara  # noqa: E402

from sim.ui import export  # noqa: E402
from sim.ui.controls import CompareControls, FaultButtons, LessonPicker, RunControls  # noqa: E402
from sim.ui.params_ui import ParamPanels  # noqa: E402
from sim.ui.state import PageState, use_page_state  # noqa: E402
from sim.ui.views import (  # noqa: E402
    Charts,
    EventLog,
    LessonText,
    SpaceView,
    Status,
    compare_labels,
)


@solara.component
def Message(state: PageState):
    """Inline error message for bad input (the server keeps running)."""
    if state.message.value:
        solara.Error(state.message.value, classes=["swarm-error"], dense=True)


@solara.component
def Exports(state: PageState):
    """Download a PNG of the view, a GIF of the recent run, or the run's data as CSV."""
    s = state.session

    def gif():
        with s.lock:
            return export.gif_bytes(list(s.history), s.model.arena_size)

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: export.png_bytes(s.model), "swarm.png", label="PNG")
        solara.FileDownload(gif, "swarm.gif", label="GIF")
        solara.FileDownload(lambda: export.csv_bytes(s.model), "swarm.csv", label="CSV")


@solara.component
def Spaces(state: PageState):
    """One canvas, or two side by side in compare mode."""
    state.tick.value  # noqa: B018  (compare mode switches on a refresh)
    a, b = compare_labels(state)
    if len(state.session.models) == 1:
        SpaceView(state, "a")
        return
    with solara.Columns([1, 1]):
        SpaceView(state, "a", a)
        SpaceView(state, "b", b)


@solara.component
def Page():
    """The whole app for one browser page."""
    state = use_page_state()
    solara.lab.use_task(state.play_loop, dependencies=[state.playing.value],
                        prefer_threaded=True)  # fmt: skip
    solara.Title("Swarm coordination")
    with solara.AppBar():
        solara.AppBarTitle("Swarm coordination: leaders, followers, and who takes over")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            RunControls(state)
            Message(state)
        with solara.Card("Lesson"):
            LessonPicker(state)
        with solara.Card("Faults"):
            FaultButtons(state)
        with solara.Card("Parameters (apply on Reset)"):
            ParamPanels(state)
        with solara.Card("Compare two swarms"):
            CompareControls(state)
        with solara.Card("Export"):
            Exports(state)
    with solara.Column(style={"padding": "8px"}):
        LessonText(state)
        Status(state)
        with solara.Columns([3, 2]):
            Spaces(state)
            with solara.Column():
                Charts(state)
                EventLog(state)

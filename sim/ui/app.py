"""The Solara app: watch, steer, break and compare a leader-follower swarm.

Serve it with ``swarm-sim ui`` (or ``solara run sim/ui/app.py``). Built on Mesa's `SolaraViz`:
its title bar, its Controls card (Reset / ▶ / Step, play and render interval), its Information
card and its draggable grid of views. What SolaraViz's defaults would make slow or plain is ours:

* the views in the grid (`views.PANELS`) are a canvas space view and canvas charts, because
  matplotlib re-rendering caps Play at ~10 steps/s;
* a smooth Play (`state.play_loop`) that paints every step and is paced by the browser, next to
  Mesa's timer-driven ▶;
* sidebar cards for lessons, faults, grouped parameters with help, compare mode and exports.

Every browser page builds its own swarm (`use_page_state`); SolaraViz gets that page's model in
a `solara.Reactive`, and ``model_params={"session": ...}`` makes Mesa's Reset rebuild it from
the user's current parameters and seed (`session.LiveSwarm`). `views.MesaSync` keeps our views
and the session in step with whatever Mesa's controls do.
"""

from __future__ import annotations

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402

from sim.ui import export  # noqa: E402
from sim.ui.controls import CompareControls, FaultButtons, LessonPicker, RunControls  # noqa: E402
from sim.ui.params_ui import ParamPanels  # noqa: E402
from sim.ui.state import PageContext, PageState, use_page_state  # noqa: E402
from sim.ui.views import PANELS, MesaSync  # noqa: E402

TITLE = "Swarm coordination: leaders, followers, and who takes over"
# ms between steps of Mesa's ▶: its default. Each of its steps costs a page render pass
# (~30-60 ms here); far shorter intervals can end in reacton's "Too many renders", as with any
# SolaraViz app. Our smooth Play is the fast one.
MESA_PLAY_INTERVAL = 100


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


# Mesa's Model Parameters card stays empty (our Parameters card replaces it): hide empty cards.
STYLE = ".v-card:has(> .v-card__text > .d-flex:only-child:empty) { display: none; }"


@solara.component
def Page():
    """The whole app for one browser page."""
    state = use_page_state()
    solara.lab.use_task(state.play_loop, dependencies=[state.playing.value], prefer_threaded=True)
    PageContext.provide(state)
    solara.Title("Swarm coordination")
    solara.Style(STYLE)
    # Solara orders sidebar content by nesting depth: these cards come above SolaraViz's.
    with solara.Sidebar(), solara.Column():
        with solara.Card("Lesson"):
            LessonPicker(state)
        with solara.Card("Smooth play"):
            RunControls(state)
            Message(state)
            MesaSync(state)
    # SolaraViz: title bar, Controls / Model Parameters / Information cards, the views' grid.
    # Our parameters live in our own card (grouped, with help, validated as typed), so Mesa's
    # only model parameter is the fixed session, which its Reset passes to LiveSwarm.
    SolaraViz(
        state.model,
        components=PANELS,
        model_params={"session": state.session},
        name=TITLE,
        play_interval=MESA_PLAY_INTERVAL,
        render_interval=1,
    )
    SidebarBelowMesa(state)


@solara.component
def SidebarBelowMesa(state: PageState):
    """Faults, parameters, compare and export (nested, so they sit below SolaraViz's cards)."""
    MoreCards(state)


@solara.component
def MoreCards(state: PageState):
    """The sidebar cards below Mesa's."""
    with solara.Sidebar(), solara.Column():
        with solara.Card("Faults"):
            FaultButtons(state)
        with solara.Card("Parameters (apply on Reset)"):
            ParamPanels(state)
        with solara.Card("Compare two swarms"):
            CompareControls(state)
        with solara.Card("Export"):
            Exports(state)

"""The Solara app: watch, steer, break and compare a leader-follower swarm.

Serve it with ``swarm-sim ui`` (or ``solara run sim/ui/app.py``). The page is our own Solara
app with **one** control bar (`controls.ControlBar`: Play / Pause, Step, Reset, speed, pause at
the next event or at step N) above a large canvas space view, live charts, the lesson's text
and the event log; the sidebar holds lessons, the seed and view toggles, faults, grouped
parameters with help, compare mode and exports.

Play (`state.play_loop`) paints every step and is paced by the browser: it never runs ahead of
what the screen shows. Every browser page builds its own swarm (`use_page_state`); no callback
can turn the page into a traceback (`PageState.guarded`).

The views are also Mesa components: `views.SpacePanel`, `views.ChartsPanel`, ... work inside
Mesa's own ``SolaraViz(model, components=views.PANELS)`` and in a Jupyter notebook
(docs/notebook.md).
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # it sat over the event log

import solara  # noqa: E402

from sim.ui import branch, export, frames, video  # noqa: E402
from sim.ui.branch_view import BranchControls  # noqa: E402
from sim.ui.controls import (  # noqa: E402
    CompareControls,
    ControlBar,
    FaultButtons,
    LessonPicker,
    RunSettings,
)
from sim.ui.guide import GuideCard, GuideOverlay  # noqa: E402
from sim.ui.params_ui import ParamPanels  # noqa: E402
from sim.ui.seeds import ManySeeds  # noqa: E402
from sim.ui.space import NarrowProbe  # noqa: E402
from sim.ui.state import PageContext, PageState, use_page_state  # noqa: E402
from sim.ui.timeline_view import TimelineBar  # noqa: E402
from sim.ui.views import Charts, EventLog, LessonText, Spaces, Status  # noqa: E402

log = logging.getLogger(__name__)
TITLE = "Swarm coordination: leaders, followers, and who takes over"
SIDEBAR_PX = 320  # fixed: long lesson titles wrap instead of widening it over the view

STYLE = f"""
nav.v-navigation-drawer {{ width: {SIDEBAR_PX}px !important; min-width: {SIDEBAR_PX}px !important;
  max-width: {SIDEBAR_PX}px !important; }}
.v-card__title {{ word-break: normal; overflow-wrap: anywhere; }}
nav.v-navigation-drawer .v-btn {{ max-width: 100%; letter-spacing: normal; }}
nav.v-navigation-drawer .v-btn__content {{ white-space: normal !important; flex: 1 1 auto;
  min-width: 0; overflow-wrap: normal; word-break: normal; hyphens: none; }}
.swarm-main {{ padding: 4px 8px; }}
"""
# Presenter mode: no sidebar, no app bar; the view takes the main area (see MainArea)
PRESENTER_STYLE = """
nav.v-navigation-drawer, header.v-app-bar, .v-app-bar__nav-icon { display: none !important; }
main.v-content, main.v-main { padding: 0 !important; }
.v-content__wrap > div { padding: 4px !important; }
.swarm-presenting .swarm-status { display: none; }

"""


@solara.component
def Message(state: PageState):
    """Inline error message for bad input (the server keeps running)."""
    if state.message.value:
        solara.Error(state.message.value, classes=["swarm-error"], dense=True)


@solara.component
def Exports(state: PageState):
    """Save a PNG of the view, a GIF or video of the recent steps (as drawn on screen), CSV."""
    s = state.session
    state.tick.value  # noqa: B018  (a reset, lesson or comparison renames the files)
    prefix = export.run_name(s)
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        export.ExportButtons(on_error=state.message.set, prefix=prefix)
        solara.FileDownload(  # compare mode: both swarms, a `swarm` column tells them apart
            lambda: export.csv_bytes(s.models, frames.compare_labels(s), branch.csv_starts(s)),
            f"{prefix}.csv",
            label="CSV",
        )
    video.VideoExport(state)


@solara.component
def Sidebar(state: PageState):
    """Lessons, run settings, faults, parameters, compare and export."""
    cards = (
        ("Lesson", LessonPicker),
        ("Seed and view", RunSettings),
        ("Faults", FaultButtons),
        ("Parameters (apply on Reset)", ParamPanels),
        ("Compare two swarms", CompareControls),
        ("Branch here", BranchControls),
        ("Many seeds", ManySeeds),
        ("Export", Exports),
    )
    with solara.Sidebar(), solara.Column():
        for title, content in cards:
            with solara.Card(title):
                Guarded(title.lower(), content, state)


@solara.component
def Layout(children=()):
    """Solara's AppLayout, with the sidebar closed at first on narrow windows (< 960 px).

    There the sidebar is an overlay; open, it would hide the control bar (Play) at 800 px.
    """
    narrow = solara.use_reactive(False)
    NarrowContext.provide(narrow)  # the page's probe reports the window's width
    return solara.AppLayout(children=list(children), sidebar_open=not narrow.value)


NarrowContext = solara.create_context(None)


@solara.component
def Page():
    """The whole app for one browser page."""
    state = use_page_state()
    solara.lab.use_task(state.play_loop, dependencies=[state.playing.value], prefer_threaded=True)
    PageContext.provide(state)
    solara.Title("Swarm coordination")
    solara.Style(STYLE + (PRESENTER_STYLE if state.presenter.value else ""))
    with solara.AppBarTitle():
        solara.Text(TITLE)
    narrow = solara.use_context(NarrowContext)
    if narrow is not None:
        NarrowProbe(event_report=lambda v: narrow.set(bool(v)))
    Sidebar(state)
    with solara.Column(gap="4px", classes=["swarm-main"]):
        Guarded("control bar", ControlBar, state)
        Message(state)
        Guarded("view", MainArea, state)


@solara.component
def Guarded(name: str, content, *args):
    """`content(*args)`, or, if it fails to render, a message and a Try again button.

    Callbacks are guarded by `PageState.guarded`; this guards rendering, so a fault in one part
    of the page (a view, a sidebar card) leaves the rest working. The error is logged on the
    server with its traceback.
    """
    exc, clear = solara.use_exception()
    if exc is None:
        content(*args)
        return
    log.error("the %s failed to render", name, exc_info=exc)
    with solara.Column(classes=["swarm-render-error"]):
        solara.Error(
            f"The {name} could not be shown ({type(exc).__name__}: {exc});"
            " details in the server log."
        )
        solara.Button("Try again", on_click=clear, outlined=True)


@solara.component
def MainArea(state: PageState):
    """The space view and the timeline under it, beside the lesson, charts and log.

    In compare mode the two views share the whole width; charts, lesson and log go below.
    In presenter mode the view(s) alone fill the main area. The view keeps its place in the
    component tree in every mode (a new place would rebuild its canvas: trails and the steps
    kept for the GIF lost).
    """
    state.tick.value  # noqa: B018  (compare mode switches on a refresh)
    compare = len(state.session.models) > 1
    presenter = state.presenter.value
    side = {"flex": "2 1 320px", "min-width": "0"}
    with solara.Row(gap="12px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(
            gap="0px",
            style={"flex": "1 1 100%" if compare or presenter else "3 1 460px", "min-width": "0"},
            classes=["swarm-presenting"] if presenter else [],
        ):
            Status(state)  # (hidden in presenter mode by PRESENTER_STYLE)
            Spaces(state)
            Guarded("timeline", TimelineBar, state)
            Guarded("guide", GuideOverlay, state)  # (presenter mode: the card at its right)
        if presenter:
            pass
        elif compare:
            with solara.Column(gap="6px", style=side):
                Charts(state)
            with solara.Column(gap="6px", style=side):
                Guarded("guide", GuideCard, state)
                LessonText(state)
                Log(state)
        else:
            with solara.Column(gap="6px", style=side):
                Guarded("guide", GuideCard, state)
                LessonText(state)
                Charts(state)
                Log(state)


@solara.component
def Log(state: PageState):
    """The event log with its heading."""
    solara.Text("Event log (newest first)", style={"font-weight": "bold"})
    EventLog(state)

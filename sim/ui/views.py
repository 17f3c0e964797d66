"""Main-area views: the space canvas(es), live charts, the event log, status and lesson text.

The `*Panel` components at the end are Mesa components: ``SolaraViz(model, components=PANELS)``
lays them out in its draggable grid, in a page or a notebook. They are reacton components, not
plain ``f(model)`` functions, on purpose: SolaraViz wraps a plain function in a fresh component
on every render of its grid (the canvas would be rebuilt each time). Ours keep their identity
and listen to reactive values; `use_panel_state` turns each Mesa update into one refresh.

During Play the loop pushes new values straight into these views' widgets (`PageState.push`,
`PageState.push_slow`) instead of re-rendering the page; a render after Pause brings reacton's
copy up to date. The payloads (`sim.ui.frames`) serve both paths.
"""

from __future__ import annotations

import html

import solara
from mesa.visualization.utils import update_counter

from sim.presets import PRESETS
from sim.ui import frames
from sim.ui.charts_component import ChartsCanvas
from sim.ui.space import SpaceCanvas
from sim.ui.state import PageContext, PageState, state_around

LOG_STYLE = "max-height: 220px; overflow-y: auto; font-size: 12px; margin: 0; white-space: pre-wrap"


def use_live(state: PageState, name: str, el) -> None:
    """Register the widget behind element `el` so the Play loop can update it directly."""

    def register():
        state.widgets[name] = solara.get_widget(el)
        return lambda: state.widgets.pop(name, None)

    solara.use_effect(register, [])


@solara.component
def SpaceView(state: PageState, key: str = "a", label: str = ""):
    """One swarm's canvas; clicks drop an agent or add a waypoint, shift-clicks select one."""
    frame = state.frame.value.get(key)
    which = "ab".index(key)

    def clicked(data):
        s = state.session
        if "select" in data:  # shift-click: show what this agent believes (0: nobody)
            state.selected.set(int(data["select"]) or None)
            state.refresh(slow=False)
            return
        if "agent" in data:
            ok = state.guarded(s.drop_agent, int(data["agent"]), which)
        else:
            ok = state.guarded(s.add_waypoint, float(data["x"]), float(data["y"]), None)
        if ok:
            state.refresh()

    def drawn(run_t):
        if key == "a":
            state.pacer.ack(*run_t)

    def pressed(action):
        keys = {
            "play_pause": state.toggle_play,
            "step": state.key_step,
            "reset": state.key_reset,
            "presenter": state.toggle_presenter,
        }
        keys[action]()

    el = SpaceCanvas(
        frame=frame or {},
        label=label,
        show_links=state.links.value,
        show_slots=state.slots.value,
        show_trails=state.trails.value,
        zoom=state.zoom.value,
        presenter=state.presenter.value,
        shortcuts=key == "a" and state.keyboard,
        event_clicked=clicked,
        event_drawn=drawn,
        event_key=pressed,
    )
    use_live(state, "space_" + key, el)


@solara.component
def Charts(state: PageState):
    """Live charts of the main metrics, dropouts and elections marked."""
    state.tick.value  # noqa: B018
    use_live(state, "charts", ChartsCanvas(chart=frames.chart_payload(state.session)))


@solara.component
def LogColumn(state: PageState, index: int):
    """The event log of swarm `index` (0 = A, 1 = B)."""
    state.tick.value  # noqa: B018
    model = state.session.models[index]
    with solara.Column(style={"flex": "1", "min-width": "0"}):
        if len(state.session.models) > 1:
            solara.Text(frames.compare_labels(state.session)[index], style={"font-weight": "bold"})
        el = solara.HTML(
            tag="pre",
            unsafe_innerHTML=frames.log_html(model),
            classes=["swarm-log"],
            style=LOG_STYLE,
        )
        use_live(state, f"log_{index}", el)


@solara.component
def EventLog(state: PageState):
    """Readable event log of the main swarm (and swarm B in compare mode), newest first."""
    state.tick.value  # noqa: B018
    with solara.Row(style={"align-items": "flex-start"}):
        for i in range(len(state.session.models)):
            LogColumn(state, i)


@solara.component
def Status(state: PageState):
    """Status lines of the swarm(s)."""
    state.tick.value  # noqa: B018
    text = frames.status_text(state.session)
    el = solara.HTML(
        tag="pre",
        unsafe_innerHTML=text,
        classes=["swarm-status"],
        style="font-size: 13px; margin: 0 0 6px 0; white-space: pre-wrap; overflow-wrap: anywhere",
    )
    use_live(state, "status", el)


@solara.component
def LessonText(state: PageState):
    """The chosen lesson: what to watch, why, and a question to ask."""
    state.version.value  # noqa: B018
    name = state.session.preset
    if not name:
        return
    p = PRESETS[name]
    with solara.Card(p.title, classes=["swarm-lesson"], style={"margin-bottom": "8px"}):
        # HTML rather than Markdown: solara's Markdown pulls mermaid from a CDN (offline: 404)
        parts = (("Watch", p.watch), ("Why", p.why), ("Ask", p.question))
        body = "<br>".join(f"<b>{k}:</b> {html.escape(v)}" for k, v in parts)
        solara.HTML(tag="div", unsafe_innerHTML=body, style="font-size: 14px; line-height: 1.5")


@solara.component
def Spaces(state: PageState):
    """One canvas, or two side by side in compare mode."""
    state.tick.value  # noqa: B018  (compare mode switches on a refresh)
    a, b = frames.compare_labels(state.session)
    if len(state.session.models) == 1:
        SpaceView(state, "a")
        return
    with solara.Columns([1, 1]):
        SpaceView(state, "a", a)
        SpaceView(state, "b", b)


def use_panel_state(model) -> PageState:
    """The state a panel shows: the page's own, or one around `model` that follows Mesa.

    Inside Mesa's SolaraViz or a notebook no page provides a state, so the panel makes one.

    Mesa's Step and Play step `model` and bump Mesa's update counter; its Reset hands the
    panels a new model. Either way the panel's session adopts or catches up with it and the
    views are refreshed.
    """
    page = solara.use_context(PageContext)
    own = solara.use_memo(lambda: None if page is not None else state_around(model), [])
    counter = update_counter.value

    def sync():
        if own is None:
            return
        if own.session.model is not model:
            own.session.adopt(model)
        else:
            own.session.catch_up()
        own.refresh()

    solara.use_effect(sync, [model, counter])
    return page if page is not None else own


# Mesa's SolaraViz calls each panel with its model. On our page the panels read the page state
# (which also holds swarm B and the view settings); elsewhere `use_panel_state` makes one.
@solara.component
def SpacePanel(model):
    """Space view panel: status lines and the space canvas(es)."""
    state = use_panel_state(model)
    with solara.Column(gap="0px"):
        Status(state)
        Spaces(state)


@solara.component
def ChartsPanel(model):
    """Live charts panel."""
    Charts(use_panel_state(model))


@solara.component
def LessonPanel(model):
    """The lesson's text (empty for a model that is not a lesson)."""
    LessonText(use_panel_state(model))


@solara.component
def LogPanel(model):
    """The event log."""
    state = use_panel_state(model)
    with solara.Column(gap="0px"):
        solara.Text("Event log (newest first)", style={"font-weight": "bold"})
        EventLog(state)


# For Mesa's SolaraViz: ``SolaraViz(model, components=PANELS)``
PANELS = [(SpacePanel, 0), (ChartsPanel, 0), (LessonPanel, 0), (LogPanel, 0)]  # (panel, page)

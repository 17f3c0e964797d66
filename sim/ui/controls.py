"""Sidebar controls: smooth Play / Pause, seed, view toggles, lessons, faults, compare.

Step and Reset are Mesa's own (SolaraViz's Controls card); they act on the same model.
"""

from __future__ import annotations

import solara

from sim.presets import PRESETS
from sim.ui.session import compare_fields
from sim.ui.state import PageState

SMOOTH_HELP = (
    "Every step painted, paced by your browser. Mesa's \u25b6 in Controls below steps on a "
    "timer and redraws the whole page each step."
)


@solara.component
def RunControls(state: PageState):
    """Our smooth Play and Pause, the seed field and the view toggles."""
    playing = state.playing.value
    s = state.session

    def play():
        state.message.set("")
        state.playing.set(True)

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Play", on_click=play, disabled=playing, color="primary")
        solara.Button(
            "Pause", on_click=state.pause, disabled=not playing, color="primary", outlined=True
        )
    solara.Text(
        SMOOTH_HELP,
        style={
            "font-size": "12px",
            "color": "#666",
            "line-height": "1.25",
            "display": "block",
            "margin": "6px 0",
        },
    )
    seed = "" if s.seed is None else str(s.seed)
    state.version.value  # noqa: B018  (a lesson changes the seed)
    solara.InputText(
        "Seed (empty = random; applies on Reset)",
        value=seed,
        continuous_update=False,
        on_value=lambda v: state.guarded(s.set_seed, v),
    )
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        for label, flag in (
            ("links", state.links),
            ("slots", state.slots),
            ("trails", state.trails),
            ("follow swarm", state.zoom),
        ):

            def toggle(v, flag=flag):
                flag.set(v)
                state.refresh(slow=False)

            solara.Checkbox(label=label, value=flag.value, on_value=toggle)


@solara.component
def LessonPicker(state: PageState):
    """Choose a lesson: loads its parameters and seed and rebuilds the swarm."""
    state.version.value  # noqa: B018
    titles = {p.title: name for name, p in PRESETS.items()}
    current = PRESETS[state.session.preset].title if state.session.preset else None

    def choose(title):
        state.pause()
        if state.guarded(state.session.load_preset, titles[title]):
            state.version.set(state.version.value + 1)
            state.refresh()

    solara.Select(label="Lesson", values=list(titles), value=current, on_value=choose)


@solara.component
def FaultButtons(state: PageState):
    """Inject faults into the running swarm(s)."""
    s = state.session
    jam_steps = solara.use_reactive("30")

    def act(action, *args):
        if state.guarded(action, *args):
            state.refresh()

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            "Drop leader", on_click=lambda: act(s.drop_leader), color="error", outlined=True
        )
        solara.Button(
            "Drop random agent", on_click=lambda: act(s.drop_random), color="error", outlined=True
        )
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Button(
            "Jam communications",
            on_click=lambda: act(s.jam, jam_steps.value),
            color="warning",
            outlined=True,
        )
        solara.InputText("steps", value=jam_steps, style={"max-width": "70px"})
    solara.Button(
        "Lose positioning", on_click=lambda: act(s.lose_positioning), color="warning", outlined=True
    )


@solara.component
def CompareControls(state: PageState):
    """Compare mode: a second swarm, same seed, one setting changed, stepped together."""
    s = state.session
    fields = compare_fields()
    name = solara.use_reactive("election")
    value = solara.use_reactive("none")
    on = s.compare is not None
    state.tick.value  # noqa: B018

    def start():
        state.pause()
        if state.guarded(s.set_compare, name.value, value.value):
            state.refresh()

    def stop():
        state.pause()
        s.set_compare(None)
        state.refresh()

    def pick(field):
        name.set(field)
        spec = fields[field]
        value.set(spec["choices"][-1] if spec["choices"] else str(spec["default"]))

    solara.Select(label="setting", values=list(fields), value=name.value, on_value=pick)
    spec = fields[name.value]
    if spec["choices"]:
        values = list(spec["choices"])
        if value.value not in values:
            value.set(values[-1])
        solara.Select(label="value in swarm B", values=values, value=value)
    else:
        solara.InputText("value in swarm B", value=value, continuous_update=False)
    with solara.Row(gap="6px"):
        solara.Button("Compare", on_click=start, color="primary", outlined=not on)
        solara.Button("Single swarm", on_click=stop, disabled=not on, outlined=True)

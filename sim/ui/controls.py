"""The control bar (Play / Pause, Step, Reset, speed, pause points) and the sidebar's controls.

The sidebar's: lessons, seed, view toggles, faults and compare mode.

Every callback goes through `PageState.guarded`: bad input is an inline message, and no click
can turn the page into a traceback.
"""

from __future__ import annotations

import solara
import solara.lab

from sim.presets import PRESETS
from sim.ui.guide import GuideToggle
from sim.ui.session import compare_fields
from sim.ui.state import SPEEDS, PageState


@solara.component
def ControlBar(state: PageState):
    """The page's one control bar: Play / Pause, Step, Reset, speed and where Play stops."""
    playing = state.playing.value
    state.tick.value  # noqa: B018  (the mission's end disables Play and Step)
    done = not state.session.running
    pause_text = solara.use_reactive("")

    def act(action):
        state.guarded(action)  # (clears the notice of why Play stopped)

    with solara.Row(
        gap="6px",
        classes=["swarm-controls"],
        style={"flex-wrap": "wrap", "align-items": "center", "margin-bottom": "6px"},
    ):
        solara.Button("Play", on_click=state.play, disabled=playing or done, color="primary")
        solara.Button(
            "Pause", on_click=state.pause, disabled=not playing, color="primary", outlined=True
        )
        solara.Button(
            "Step", on_click=lambda: act(state.step_once), disabled=playing or done, outlined=True
        )
        solara.Button("Reset", on_click=lambda: act(state.reset), outlined=True)
        solara.Select(
            label="Speed",
            values=list(SPEEDS),
            value=state.speed,
            style={"max-width": "104px"},
            dense=True,
        )
        solara.Checkbox(label="pause at the next event", value=state.pause_on_event)

        def pause_at(text):
            pause_text.set(text)
            state.guarded(state.set_pause_at, text, field="pause at step")

        bad = state.field_error("pause at step")
        solara.InputText(
            "pause at step",
            value=pause_text.value,
            continuous_update=False,
            on_value=pause_at,
            error=bad[1] if bad else False,
            style={"max-width": "112px"},
        )
        solara.Button(
            "Exit presenter" if state.presenter.value else "Presenter",
            on_click=state.toggle_presenter,
            icon_name="mdi-fullscreen-exit" if state.presenter.value else "mdi-projector-screen",
            outlined=True,
            classes=["swarm-presenter"],
        )
        if done:
            solara.Text("mission over: Reset to run again", style={"color": "#555"})
    if state.notice.value:
        solara.Info(state.notice.value, dense=True, classes=["swarm-notice"])


@solara.component
def RunSettings(state: PageState):
    """The seed field and the view toggles."""
    s = state.session
    seed = "" if s.seed is None else str(s.seed)
    state.version.value  # noqa: B018  (a lesson changes the seed)
    bad = state.field_error("seed")
    solara.InputText(
        "Seed (empty = random; applies on Reset)",
        value=bad[0] if bad else seed,
        continuous_update=False,
        on_value=lambda v: state.guarded(s.set_seed, v, field="seed"),
        error=bad[1] if bad else False,
    )
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        for label, flag in (
            ("links", state.links),
            ("slots", state.slots),
            ("trails", state.trails),
            ("messages", state.messages),
            ("follow swarm", state.zoom),
        ):

            def toggle(v, flag=flag):
                flag.set(v)
                state.refresh(slow=False)

            solara.Checkbox(label=label, value=flag.value, on_value=toggle)

        def dark(v):
            solara.lab.theme.dark = bool(v)  # this page's theme; the canvases follow it

        solara.Checkbox(label="dark", value=bool(solara.lab.use_dark_effective()), on_value=dark)


# a button whose long text wraps, left-aligned and as typed (lesson titles)
WRAPPED = {
    "white-space": "normal",
    "height": "auto",
    "text-transform": "none",
    "justify-content": "flex-start",
    "text-align": "left",
}


@solara.component
def LessonPicker(state: PageState):
    """Choose a lesson: loads its parameters and seed and rebuilds the swarm.

    A menu of buttons rather than a select, so that choosing the lesson already shown loads it
    again from its start (a select fires only when its value changes).
    """
    state.version.value  # noqa: B018
    current = PRESETS[state.session.preset].title if state.session.preset else "(none)"

    def choose(name):
        state.pause()
        if state.guarded(state.session.load_preset, name):
            state.bad.set({})  # the lesson's values replace whatever was typed
            state.version.set(state.version.value + 1)
            state.refresh()

    solara.Text("Lesson", style={"font-size": "12px", "color": "#666"})
    activator = solara.Button(
        current,
        outlined=True,
        classes=["swarm-lesson-menu"],
        style={**WRAPPED, "min-height": "36px", "width": "100%", "padding": "6px 10px"},
    )
    with solara.lab.Menu(activator=activator, use_activator_width=True):
        with solara.Column(gap="0px", style={"background": "white", "max-height": "70vh"}):
            for name, p in PRESETS.items():
                solara.Button(
                    p.title,
                    on_click=lambda name=name: choose(name),
                    text=True,
                    classes=["swarm-lesson-item"],
                    style={**WRAPPED, "min-height": "32px"},
                )
    GuideToggle(state)


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
    on = len(s.models) > 1  # (a branch is a comparison too: Single swarm ends it)
    state.tick.value  # noqa: B018

    def start():
        state.pause()
        if state.guarded(s.set_compare, name.value, value.value):
            state.refresh()

    def stop():
        state.pause()
        s.set_compare(None)
        state.refresh()

    shown = {f"{spec['label']} · {field}": field for field, spec in fields.items()}
    named = {field: text for text, field in shown.items()}

    def pick(text):
        field = shown[text]
        name.set(field)
        spec = fields[field]
        value.set(spec["choices"][-1] if spec["choices"] else str(spec["default"]))

    # plain label and field name, e.g. "Radio range · comm_range"
    solara.Select(label="setting", values=list(shown), value=named[name.value], on_value=pick)
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

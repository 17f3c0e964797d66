"""Parameter controls derived from `SwarmParams`, grouped, each with its one-line help text.

One control per field (select, slider with a typed-value box, or text box, chosen from its
metadata), labelled in plain words; its help line starts with the field's name, the one
``--set name=value`` and experiment files use. Changes are validated at once and apply on Reset;
a refused value stays in its field, marked, with the reason beside it.
"""

from __future__ import annotations

from typing import Any

import solara

from sim.params import GROUPS, specs
from sim.ui.state import PageState

HIDDEN = {"waypoints"}  # edited by clicking the space view instead
# a slider's label on its own line above its track (beside it, long labels overlapped the box);
# the field's name in a help line a little smaller than Solara's 14px code
STYLE = """
.swarm-param .v-input__slider .v-input__slot { flex-wrap: wrap; }
.swarm-param .v-input__slider .v-label { flex: 1 0 100%; height: auto; white-space: normal; }
.v-application .swarm-help code { font-size: 11px !important; color: #333 !important; }
"""


def control_kind(spec: dict[str, Any]) -> str:
    """'select', 'slider' or 'text' for a parameter's metadata."""
    if spec["choices"] or spec["kind"] is bool:
        return "select"
    if spec["optional"] or spec["kind"] not in (int, float):
        return "text"
    span = spec["hi"] - spec["lo"]
    if spec["kind"] is int and span <= 1000 or spec["kind"] is float and spec["hi"] <= 100:
        return "slider"
    return "text"


def slider_step(spec: dict[str, Any]) -> float:
    """A step that gives a slider about 100-200 positions, on a round number."""
    if spec["step"]:
        return spec["step"]
    if spec["kind"] is int:
        return 1
    span = spec["hi"] - spec["lo"]
    for step in (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0):
        if span / step <= 200:
            return step
    return 1.0


def label_of(spec: dict[str, Any]) -> str:
    """Control label: the field's plain label and its unit."""
    return spec["label"] + (f" ({spec['unit']})" if spec["unit"] else "")


def help_line(spec: dict[str, Any]) -> None:
    """The field's name in code style, then its one-line help."""
    solara.v.Html(
        tag="div",
        class_="swarm-help",
        style_="font-size: 12px; color: #666; line-height: 1.25; margin-bottom: 14px",
        children=[solara.v.Html(tag="code", children=[spec["name"]]), f" · {spec['doc']}"],
    )


@solara.component
def ParamControl(state: PageState, spec: dict[str, Any]):
    """One parameter's control and its help line."""
    state.version.value  # noqa: B018  (re-render when a lesson loads new values)
    name = spec["name"]
    value = state.session.params.get(name, spec["default"])

    def set_value(v):
        if state.guarded(state.session.set_param, name, v, field=name):
            state.version.set(state.version.value + 1)  # labels show the new value

    kind = control_kind(spec)
    label = label_of(spec)
    with solara.Column(classes=["swarm-param"]):  # the control and its help, together
        if kind == "select":
            choices = list(spec["choices"] or ("true", "false"))
            if spec["optional"]:
                choices = ["auto", *choices]
            shown = (
                "auto" if value is None else str(value).lower() if spec["kind"] is bool else value
            )

            def pick(v):
                set_value(None if v == "auto" else v)

            solara.Select(label=label, values=choices, value=shown, on_value=pick)
        elif kind == "slider":
            value = spec["kind"](float(value))  # a typed value is kept as text until parsed
            cls = solara.SliderInt if spec["kind"] is int else solara.SliderFloat
            extra = {} if spec["kind"] is int else {"step": slider_step(spec)}
            bad = state.field_error(name)
            step = extra.get("step", 1)

            def slid(v, value=value, step=step):
                # the slider snaps a typed value to its steps and reports that: ignore it
                if abs(v - value) > step / 2:
                    set_value(v)

            cls(
                label=f"{label}: {value:g}",
                value=value,
                min=spec["lo"],
                max=spec["hi"],
                on_value=slid,
                **extra,
            )
            # a typed value, for the exact number the slider's steps cannot reach
            solara.InputText(
                label=f"{spec['label']} value",
                value=bad[0] if bad else f"{value:g}",
                on_value=set_value,
                continuous_update=False,
                error=bad[1] if bad else False,
                style={"max-width": "220px"},
                dense=True,
            )
        else:
            text = "" if value is None else str(value)
            bad = state.field_error(name)  # a refused value stays in the field, marked, with why
            solara.InputText(
                label=label,
                value=bad[0] if bad else text,
                on_value=set_value,
                continuous_update=False,
                error=bad[1] if bad else False,
            )
        help_line(spec)


@solara.component
def ParamPanels(state: PageState):
    """All parameters, one expansion panel per group."""
    by_group: dict[str, list] = {g: [] for g in GROUPS}
    for spec in specs().values():
        if spec["name"] not in HIDDEN:
            by_group.setdefault(spec["group"], []).append(spec)
    groups = [(g, items) for g, items in by_group.items() if items]
    # Only open groups get their controls built: every render pass reconciles every widget on
    # the page, and Mesa's Play renders once per step (the closed groups were half the cost).
    opened = solara.use_reactive([0])
    solara.Style(STYLE)
    with solara.v.ExpansionPanels(
        accordion=True, multiple=True, v_model=opened.value, on_v_model=opened.set
    ):
        for i, (group, items) in enumerate(groups):
            with solara.v.ExpansionPanel():
                solara.v.ExpansionPanelHeader(children=[group])
                with solara.v.ExpansionPanelContent():
                    if i in opened.value:
                        for spec in items:
                            ParamControl(state, spec)

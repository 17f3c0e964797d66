"""The sidebar's Branch card: fork the run shown into A and B at this step (`sim.ui.branch`).

Choose what B gets (a fault, or a new value of a parameter that may change mid-run), then
"Branch here": Play pauses, B becomes an exact copy of A at the step shown and gets the change.
A refused value (out of range) stays in its field with the reason beside it.
"""

from __future__ import annotations

import solara

from sim.midrun import LIVE_PARAMS
from sim.params import specs
from sim.ui import branch
from sim.ui.state import PageState


@solara.component
def BranchControls(state: PageState):
    """What B gets at the branch, the Branch here button, and End branch."""
    s = state.session
    state.tick.value  # noqa: B018  (the step shown, and whether a branch is on)
    change = solara.use_reactive(branch.CHANGES[0])
    field = solara.use_reactive(next(iter(LIVE_PARAMS)))
    value = solara.use_reactive("0.5")
    steps = solara.use_reactive("30")
    on = s.branch is not None
    t = int(s.model.time)

    def fork():
        state.pause()
        args = (value.value, field.value) if change.value == branch.PARAM else (steps.value,)
        typed = change.value in (branch.PARAM, "jam communications")  # refused: at the field
        name = "branch value" if typed else None
        if state.guarded(branch.branch_here, s, change.value, *args, field=name):
            state.refresh()

    def end():
        state.pause()
        if state.guarded(branch.end_branch, s):
            state.refresh()

    solara.Select(label="B gets", values=branch.CHANGES, value=change)
    bad = state.field_error("branch value")
    if change.value == branch.PARAM:
        spec = specs()[field.value]
        solara.Select(label="parameter", values=list(LIVE_PARAMS), value=field)
        solara.InputText(
            f"new value in B, [{spec['lo']:g}, {spec['hi']:g}]",
            value=value,
            continuous_update=False,
            error=bad[1] if bad else False,
        )
        solara.Text(LIVE_PARAMS[field.value], style={"font-size": "12px", "color": "#555"})
    elif change.value == "jam communications":
        solara.InputText(
            "jam steps", value=steps, continuous_update=False, error=bad[1] if bad else False
        )
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            f"Branch here (t={t})",
            on_click=fork,
            disabled=state.playing.value,  # (the step shown must hold still: Pause first)
            color="primary",
            outlined=True,
            classes=["swarm-branch"],
        )
        solara.Button("End branch", on_click=end, disabled=not on, outlined=True)
    if on:
        solara.Text(s.branch.labels(s)[1], classes=["swarm-branch-label"])
    solara.Text(branch.help_text(), style={"font-size": "12px", "color": "#555"})

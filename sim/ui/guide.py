"""Guided lessons on the page: Play pauses at the key moment, the class predicts, a card reports.

A lesson with a `sim.lessons.guide.Guide` runs in guided mode unless the instructor unticks
*guided* (the lesson card in the sidebar). Play pauses when the run crosses the guide's key
moment and the prediction card appears (choices as buttons; the class's pick is shown); Play
pauses again when the outcome becomes known and the card reveals it with the why; once the
mission is over (or the lesson's steps are done) the result card shows what happened, in
numbers measured on this run, beside the lesson's claim and whether it held.

The cards are functions of the model shown (Reset, another lesson or a seek back before the
moment clear them); the pick belongs to the run's timeline, so a new run starts without one.
`GuideState.should_stop` is called by the Play loop (`PageState._should_stop`).
"""

from __future__ import annotations

import html

import solara

from sim.lessons.base import Preset
from sim.lessons.guide import finished, moment_time, reached, revealed
from sim.presets import PRESETS
from sim.ui.state import PageState

# Normal mode: the card sits above the lesson text beside the view. Presenter mode: while a
# card shows, the view makes room on its right and the card stands there in larger type (laid
# over the view, it hid the legend and the mission's banner).
OVERLAY_PX = 400
GUIDED_LABEL = "guided: pause at the key moment and ask the class"  # the toggle's text
OVERLAY_STYLE = f"""
.swarm-presenting {{ position: relative; padding-right: {OVERLAY_PX + 12}px; }}
.swarm-guide-overlay {{ position: absolute; top: 0; right: 0; z-index: 5; width: {OVERLAY_PX}px;
  max-height: 100%; overflow-y: auto; }}
"""
STYLE = """
.swarm-guide-overlay .swarm-guide-body { font-size: 17px; }
.swarm-guide-body { font-size: 14px; line-height: 1.45; }
.swarm-guide .v-btn.swarm-guide-choice { white-space: normal; height: auto !important;
  min-height: 32px; text-transform: none; justify-content: flex-start; text-align: left;
  letter-spacing: normal; padding: 4px 10px; width: 100%; }
.swarm-guide .v-btn.swarm-guide-choice .v-btn__content { white-space: normal; flex: 1 1 auto;
  min-width: 0; }
.swarm-guide-overlay .v-btn.swarm-guide-choice { font-size: 16px; }
"""


class GuideState:
    """One page's guided mode: on or off, the class's pick, and when Play pauses for it."""

    def __init__(self, state: PageState) -> None:
        self.state = state
        self.on = solara.reactive(True)  # the *guided* toggle
        self.pick = solara.reactive(None)  # (the run's timeline, index of the choice picked)
        self._told = None  # the timeline whose outcome Play already paused for
        self._verdicts: dict = {}  # (model id, step) -> whether the claim held

    def lesson(self) -> Preset | None:
        """The lesson shown, if it has a guide and guided mode is on."""
        preset = PRESETS.get(self.state.session.preset)
        return preset if preset is not None and preset.guide and self.on.value else None

    def chosen(self) -> int | None:
        """The choice the class picked in this run (None: none yet)."""
        pick = self.pick.value
        return pick[1] if pick and pick[0] is self.state.session.timelines[0] else None

    def choose(self, i: int) -> None:
        """The class picks choice `i` (a later pick replaces it)."""
        self.pick.set((self.state.session.timelines[0], int(i)))

    def should_stop(self, model, t_before: float) -> str:
        """Why Play pauses for the guide after this step ('' to go on)."""
        preset = self.lesson()
        if preset is None:
            return ""
        guide, line, t = preset.guide, self.state.session.timelines[0], int(model.time)
        if reached(guide, model, t_before):
            self._told = None
            return f"paused at step {t}: {guide.moment_text} Make a prediction, then Play."
        if self._told is not line and revealed(guide, model) is not None:
            self._told = line
            if not finished(preset, model):
                return f"paused at step {t}: the answer is known (see the prediction card)"
        if preset.steps and t_before < preset.steps <= model.time:
            return f"paused at step {t}: the lesson's {preset.steps} steps are done"
        return ""

    def verdict(self, preset: Preset, model) -> bool:
        """Whether the lesson's claim held on this finished run (computed once per run end)."""
        key = (id(model), int(model.time))
        if key not in self._verdicts:
            self._verdicts = {key: bool(preset.check(model))}
        return self._verdicts[key]


def of(state: PageState) -> GuideState:
    """The page's guided-mode state (built on first use; the Play loop then consults it)."""
    if state.guide is None:
        state.guide = GuideState(state)
    return state.guide


@solara.component
def GuideToggle(state: PageState):
    """The *guided* checkbox, for lessons that have a guide."""
    state.version.value  # noqa: B018  (a lesson was loaded)
    g = of(state)
    preset = PRESETS.get(state.session.preset)
    if preset is None or preset.guide is None:
        return
    solara.Checkbox(label=GUIDED_LABEL, value=g.on)


@solara.component
def GuideOverlay(state: PageState):
    """The guide's card in presenter mode, at the view's right (elsewhere: in the side column)."""
    state.presenter.value  # noqa: B018
    if state.presenter.value:
        GuideCard(state, overlay=True)


@solara.component
def GuideCard(state: PageState, overlay: bool = False):
    """The prediction card from the key moment on; the result card once the run is over."""
    state.tick.value  # noqa: B018  (Play stopped, a step, a seek)
    state.version.value  # noqa: B018  (a lesson was loaded)
    g = of(state)
    g.pick.value  # noqa: B018
    preset = g.lesson()
    model = state.session.model
    if preset is None or moment_time(preset.guide, model) is None:
        return
    solara.Style(STYLE + (OVERLAY_STYLE if overlay else ""))
    classes = ["swarm-guide"] + (["swarm-guide-overlay"] if overlay else [])
    if finished(preset, model):
        with solara.Card("What happened", classes=[*classes, "swarm-guide-result"]):
            _html(_result_html(g, preset, model))
        return
    with solara.Card("Predict", classes=[*classes, "swarm-guide-prediction"]):
        _prediction(g, preset, model)


def _prediction(g: GuideState, preset: Preset, model) -> None:
    guide, picked = preset.guide, g.chosen()
    p = guide.prediction
    _html(f"<b>{html.escape(guide.moment_text)}</b> {html.escape(p.question)}")
    happened = revealed(guide, model)
    with solara.Column(gap="4px", style={"margin": "6px 0"}):
        for i in range(len(p.choices)):
            solara.Button(
                p.label(i),
                on_click=lambda i=i: g.choose(i),
                color="primary" if i == picked else None,
                outlined=i != picked,
                disabled=happened is not None,
                classes=["swarm-guide-choice"],
            )
    if happened is None:
        ask = "Press Play to see." if picked is not None else "Pick an answer, then press Play."
        _html(f"{_picked_html(p, picked)} {ask}")
    else:
        _html(_reveal_html(p, picked, happened))


def _picked_html(p, picked: int | None) -> str:
    if picked is None:
        return "No answer picked yet."
    return f"The class picked <b>{p.label(picked)[0]}</b>."


def _reveal_html(p, picked: int | None, happened: int) -> str:
    """Whether the pick was right, what happened, and why."""
    what = f"It was <b>{html.escape(p.label(happened))}</b>."
    if picked is None:
        mark = ""
    elif picked == happened:
        mark = '<span class="swarm-guide-right">✓ Right.</span> '
    else:
        mark = f'<span class="swarm-guide-wrong">✗ The class picked {p.label(picked)[0]}.</span> '
    if happened == p.answer:
        return f"{mark}{what} {html.escape(p.why)}"
    usual = html.escape(p.label(p.answer))
    return f"{mark}{what} (With the lesson's own settings it is {usual}; these differ.)"


def _result_html(g: GuideState, preset: Preset, model) -> str:
    """What happened (measured), the prediction's reveal, and the claim with ✓ / ✗."""
    guide = preset.guide
    parts = [html.escape(guide.report(model))]
    happened = revealed(guide, model)
    if happened is not None:
        parts.append(f"<b>Prediction:</b> {_reveal_html(guide.prediction, g.chosen(), happened)}")
    held = g.verdict(preset, model)
    mark = "✓ held" if held else "✗ did not hold in this run"
    parts.append(f"<b>Claim:</b> {html.escape(preset.claim)} — <b>{mark}</b>")
    return "<br><br>".join(parts)


def _html(body: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["swarm-guide-body"])

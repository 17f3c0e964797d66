"""Mesa's SolaraViz drives SwarmModel, stock and as the app's page (Step, Reset, our parameters)."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from ipywidgets.widgets.widget import _instances
from mesa.visualization import SolaraViz

from sim import SwarmModel


def _buttons(rc, label):
    return rc.find(v.Btn, children=[label])


@pytest.mark.parametrize("with_seed", [False, True])
def test_solaraviz_step_and_reset(with_seed):
    """Step advances the model; Reset rebuilds it from the UI parameters (and Mesa's scenario=)."""
    params = {
        "n_agents": {
            "type": "SliderInt",
            "value": 8,
            "min": 1,
            "max": 50,
            "step": 1,
            "label": "Agents",
        },
    }
    if with_seed:
        params["rng"] = {"type": "InputText", "value": "42", "label": "Seed"}
    model = solara.reactive(SwarmModel(n_agents=8, rng=42))
    page = SolaraViz(model, components=[], model_params=params, name="swarm")
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    _buttons(rc, "Step").assert_single()
    _buttons(rc, "Step").widget.click()
    assert model.value.time == 1
    first = model.value
    _buttons(rc, "Reset").widget.click()
    assert model.value is not first and model.value.time == 0
    assert model.value.params.n_agents == 8
    if with_seed:
        assert model.value.seed == 42
        again = SwarmModel(n_agents=8, rng=42)
        assert (again.pos == model.value.pos).all()


def _page(monkeypatch):
    """Render the app's page inside an AppLayout (as `solara run` does).

    Returns the page's state (caught as it is built) and the render context.
    """
    from sim.ui import app, state

    made = []
    real = state._new_state
    monkeypatch.setattr(state, "_new_state", lambda *a: made.append(real(*a)) or made[-1])
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    return made[0], rc


def test_app_has_one_control_bar(monkeypatch):
    """Our page owns its controls: one Play, Pause, Step and Reset, and no Mesa ▶ or card."""
    _, rc = _page(monkeypatch)
    for label in ("Step", "Reset", "Play", "Pause"):
        _buttons(rc, label).assert_single()
    _buttons(rc, "▶").assert_empty()
    rc.find(children=["Time: 0.0"]).assert_empty()


def test_step_and_reset_of_the_control_bar(monkeypatch):
    """Step moves both swarms (compare mode) and the views; Reset rebuilds from our settings."""
    state, rc = _page(monkeypatch)
    s = state.session
    s.set_compare("election", "none")
    state.refresh()
    _buttons(rc, "Step").widget.click()
    a, b = s.models
    assert a.time == b.time == 1
    assert state.widgets["space_a"].frame["t"] == 1 and state.widgets["space_b"].frame["t"] == 1
    s.set_param("n_agents", 17)
    s.set_seed("7")
    _buttons(rc, "Reset").widget.click()
    assert s.model.time == 0 and len(s.model.active) == 17 and s.model.seed == 7
    assert (SwarmModel(rng=7, **s.params).pos == s.model.pos).all()
    assert state.frame.value["a"]["run"] == s.runs[0]


def test_our_panels_work_inside_mesa_solaraviz():
    """views.PANELS work in a stock SolaraViz, driven by Mesa's own Step and Reset.

    Mesa's Step moves the model and our canvas shows it; Mesa's Reset hands the panels a new
    model, which they show from its start.
    """
    from sim.ui.views import PANELS

    before = set(_instances)
    model = solara.reactive(SwarmModel(n_agents=12, rng=3))
    page = SolaraViz(model, components=PANELS, name="swarm")
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)

    def frames():  # (SolaraViz's draggable grid hides its items from rc.find: ask ipywidgets)
        made = [w for key, w in list(_instances.items()) if key not in before]
        return [w.frame for w in made if isinstance(getattr(w, "frame", None), dict) and w.frame]

    assert frames() and all(f["t"] == 0 and len(f["st"]) == 12 for f in frames())
    for _ in range(3):
        _buttons(rc, "Step").widget.click()
    assert model.value.time == 3
    assert all(f["t"] == 3 for f in frames())
    first = model.value
    _buttons(rc, "Reset").widget.click()
    assert model.value is not first
    assert model.value.time == 0
    assert frames() and all(f["t"] == 0 for f in frames())


def test_a_part_that_fails_to_render_leaves_the_page_working(caplog):
    """A render error in one part shows a message there; the rest renders; Try again retries."""
    from sim.ui.app import Guarded

    fail = solara.reactive(True)

    @solara.component
    def Fragile():
        if fail.value:
            raise RuntimeError("boom")
        solara.Text("fine now")

    @solara.component
    def TwoParts():
        with solara.Column():
            Guarded("charts", Fragile)
            solara.Text("the rest")

    _, rc = solara.render(TwoParts(), handle_error=False)
    rc.find(children=["the rest"]).assert_single()
    rc.find(
        v.Alert,
        children=["The charts could not be shown (RuntimeError: boom); details in the server log."],
    ).assert_single()
    assert "failed to render" in caplog.text
    fail.set(False)
    rc.find(v.Btn, children=["Try again"]).widget.click()
    rc.find(children=["fine now"]).assert_single()
    rc.close()

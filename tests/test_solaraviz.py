"""Mesa's SolaraViz drives SwarmModel, stock and as the app's page (Step, Reset, our parameters)."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
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
    """Render the app's page inside an AppLayout (where SolaraViz puts its controls).

    Returns the page's state (caught as it is built) and the render context.
    """
    from sim.ui import app, state

    made = []
    real = state._new_state
    monkeypatch.setattr(state, "_new_state", lambda: made.append(real()) or made[-1])
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    return made[0], rc


def test_app_is_built_on_solaraviz(monkeypatch):
    """The app's page is a SolaraViz: Mesa's Step, Reset and time display are there, once."""
    _, rc = _page(monkeypatch)
    for label in ("Step", "Reset", "▶", "Play", "Pause"):
        _buttons(rc, label).assert_single()
    rc.find(children=["Time: 0.0"]).assert_single()


def test_mesa_step_moves_both_swarms_and_our_views(monkeypatch):
    """Mesa's Step steps the session's swarm (and swarm B in compare mode); our views follow."""
    state, rc = _page(monkeypatch)
    state.session.set_compare("election", "none")
    state.refresh()
    _buttons(rc, "Step").widget.click()
    a, b = state.session.models
    assert a.time == b.time == 1
    assert state.widgets["space_a"].frame["t"] == 1 and state.widgets["space_b"].frame["t"] == 1
    rc.find(children=["Time: 1.0"]).assert_single()


def test_mesa_reset_uses_our_parameters_and_seed(monkeypatch):
    """Mesa's Reset rebuilds from the session's parameters and seed; the session adopts it."""
    state, rc = _page(monkeypatch)
    s = state.session
    s.set_param("n_agents", 17)
    s.set_seed("7")
    _buttons(rc, "Step").widget.click()
    old = s.model
    _buttons(rc, "Reset").widget.click()
    assert s.model is not old and s.model is state.model.value
    assert s.model.time == 0 and len(s.model.active) == 17 and s.model.seed == 7
    assert (SwarmModel(rng=7, **s.params).pos == s.model.pos).all()
    assert state.frame.value["a"]["run"] == s.runs[0]

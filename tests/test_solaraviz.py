"""Mesa's own SolaraViz drives SwarmModel: it renders, steps and resets (with a seed field)."""

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

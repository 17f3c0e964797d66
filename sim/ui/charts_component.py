"""Live charts drawn on a browser canvas from thinned series (see `sim.ui.frames.chart_data`)."""

from __future__ import annotations

import solara


@solara.component_vue("charts.vue")
def ChartsCanvas(chart: dict):
    """Four small line charts; vertical marks at dropouts (red) and elections (green)."""

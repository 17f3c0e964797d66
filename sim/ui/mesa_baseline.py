"""Mesa's own matplotlib space view of the same swarm: the benchmark's point of comparison.

A stock SolaraViz with `make_mpl_space_component`, on a `SwarmModel` that mirrors its agents'
positions into a Mesa `ContinuousSpace` (the matplotlib drawer needs one). Served only by
`python -m sim.bench.ui`; the number of agents comes from ``SWARM_BENCH_N`` and the play
interval from ``SWARM_BENCH_PLAY_INTERVAL`` (ms, default 20: far below matplotlib's 55-95 ms per
frame, so the view runs at its best, while 1 ms often ends in reacton's "Too many renders").
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.components.matplotlib_components import (  # noqa: E402
    make_mpl_space_component,
)

from sim.model import SwarmModel  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from mesa.space import ContinuousSpace  # noqa: E402


class SpacedSwarm(SwarmModel):
    """A SwarmModel whose agents also sit in a Mesa ContinuousSpace (for Mesa's drawer)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # room for the arena and for a large formation's wings (10,000 agents reach outside)
        self.pad = pad = 2 * max(self.arena_size, float(abs(self.pos).max()))
        self.space = ContinuousSpace(2 * pad, 2 * pad, False, x_min=-pad, y_min=-pad)
        for agent in self.handles:
            self.space.place_agent(agent, self._at(agent.row))

    def _at(self, row: int) -> tuple[float, float]:
        """The agent's position, inside the space (an agent far outside is drawn at its edge)."""
        x, y = self.pos[row].clip(-self.pad, self.pad * 0.999)
        return float(x), float(y)

    def step(self) -> None:
        """Step the swarm, then copy positions into the Mesa space."""
        super().step()
        for agent in self.agents:
            self.space.move_agent(agent, self._at(agent.row))


def portrayal(agent) -> dict:
    """Leader orange and larger, followers blue."""
    if agent.is_leader:
        return {"color": "tab:orange", "size": 60}
    return {"color": "tab:blue", "size": 15}


N = int(os.environ.get("SWARM_BENCH_N", "50"))
PLAY_INTERVAL = int(os.environ.get("SWARM_BENCH_PLAY_INTERVAL", "20"))  # ms
model = SpacedSwarm(n_agents=N, rng=1, max_steps=100_000)
page = SolaraViz(
    model,
    components=[make_mpl_space_component(portrayal)],
    play_interval=PLAY_INTERVAL,
    render_interval=1,
    name=f"Mesa matplotlib view, N={N}",
)

"""Write docs/tutorial.ipynb (without outputs) from the cells below: a student's tour in Jupyter.

The notebook is generated so its source stays reviewable as Python; the test suite executes it
(tests/test_tutorial.py). Regenerate after editing: ``.venv/bin/python scripts/make_tutorial.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"

CELLS = [
    (
        "md",
        """# A swarm that keeps going: a tour in Jupyter

Ten point agents fly a square route in a wedge. One of them leads: only the leader knows the
route, the followers hold slots around it. At step 300 the leader drops out. Will another agent
take its place, and will the mission go on?

In this notebook you will

1. build a model and run it,
2. plot what its data collector recorded,
3. read the event log: who noticed, who took over, when,
4. watch the live views inside the notebook (the same ones as the browser app), and
5. run a small sweep: many seeds, with and without an election.

Run the cells from top to bottom (*Run → Run All Cells*).""",
    ),
    ("md", "## 1. Build a model and run it\n\n`preset` loads one of the app's lessons."),
    (
        "code",
        """from sim import SwarmModel

model = SwarmModel(preset="leader_handover")
print(model.params.n_agents, "agents;", "election:", model.params.election,
      "; the leader drops out at step", model.params.leader_dropout_at)""",
    ),
    (
        "md",
        "`run()` steps until the mission succeeds (or `max_steps`) and returns the run's "
        "summary: whether the mission succeeded, how many leader changes, how long the group "
        "was without a leader, and more.",
    ),
    (
        "code",
        """summary = model.run()
{k: summary[k] for k in ("mission_success", "steps", "leader_changes", "leaderless_steps",
                         "max_recovery_steps", "final_active")}""",
    ),
    (
        "md",
        "## 2. Plot the data\n\nEvery step the model records its reporters (one column each).",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt

df = model.datacollector.get_model_vars_dataframe()
fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 4))
top.plot(df.index, df["n_leaders"], drawstyle="steps-post")
top.set_ylabel("leaders")
bottom.plot(df.index, df["formation_error"])
bottom.set_ylabel("formation error (m)")
bottom.set_xlabel("step")
for ax in (top, bottom):
    ax.axvline(model.params.leader_dropout_at, color="grey", linestyle=":")
plt.show()""",
    ),
    (
        "md",
        "*Question*: for how many steps is there no leader? Compare with `leaderless_steps` above.",
    ),
    ("md", "## 3. The event log\n\nEach event: (step, kind, agent id, detail)."),
    (
        "code",
        """for event in model.events:
    if 290 <= event[0] <= 340:
        print(event)""",
    ),
    (
        "md",
        """## 4. Live views in the notebook

The browser app's views are Solara components. Give them a model and they show it here; step
the model and they follow. (They need a running kernel: on a static page, such as GitHub's
preview, nothing is drawn.)""",
    ),
    (
        "code",
        """from sim.ui.views import ChartsPanel, SpacePanel

live = SwarmModel(preset="leader_handover")
live.run(steps=320)  # just after the leader's loss
SpacePanel(live)""",
    ),
    (
        "md",
        """Mesa users know `SolaraViz`; our panels plug into it (with Mesa's own Step, Play and
Reset buttons):""",
    ),
    (
        "code",
        """from mesa.visualization import SolaraViz
from sim.ui.views import PANELS

SolaraViz(SwarmModel(preset="leader_handover"), components=PANELS, name="swarm")""",
    ),
    (
        "md",
        """## 5. A small sweep: one anecdote is not evidence

One run is one story. Run the same lesson with several seeds, with the default election and
with none (`election="none"`: nobody may take the leader's place), using Mesa's `batch_run`.
Each row carries the run's outcome. For a real study use `swarm-sim sweep` (resume, provenance,
intervals; see `experiments/README.md`).""",
    ),
    (
        "code",
        """import mesa

rows = mesa.batch_run(
    SwarmModel,
    parameters={"preset": "leader_handover", "election": ["lowest_id", "none"]},
    rng=[0, 1, 2, 3],  # four seeds per setting
    max_steps=1000,
    number_processes=1,
    data_collection_period=-1,
    display_progress=False,
)
import pandas as pd

runs = pd.DataFrame(rows)
runs.groupby("election")[["mission_success", "leaderless_steps"]].agg(["mean", "count"])""",
    ),
    (
        "md",
        """*Question*: why does every run without an election fail, although the other nine agents
are fine? (Hint: who knows the route?)

Next: open the app (`make ui`), load the lesson *Nobody takes over*, and watch it happen.""",
    ),
]


def notebook() -> nbformat.NotebookNode:
    """The tutorial as a notebook without outputs."""
    cells = [new_markdown_cell(t) if kind == "md" else new_code_cell(t) for kind, t in CELLS]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    nbformat.write(notebook(), OUT)
    print(OUT)

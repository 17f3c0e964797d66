"""docs/tutorial.ipynb runs from top to bottom in a real Jupyter kernel, and shows what it says.

Executed with nbclient, like "Run All Cells" in Jupyter, so the tutorial cannot rot: a renamed
function, a changed reporter or a view that no longer displays in a notebook fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _text(cell) -> str:
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_is_saved_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_tour_runs_and_tells_the_lessons_story(executed):
    summary = next(_text(c) for c in executed if "model.run()" in c.source)
    assert "'mission_success': True" in summary and "'leader_changes': 1" in summary
    plot = next(c for c in executed if "plt.show()" in c.source)
    assert any("image/png" in out.get("data", {}) for out in plot.outputs)
    log = next(_text(c) for c in executed if "model.events" in c.source)
    assert "'leader_elected'" in log and "'dropout'" in log


def test_live_views_display_as_widgets_in_the_notebook(executed):
    views = [c for c in executed if "SpacePanel(live)" in c.source or "SolaraViz(" in c.source]
    assert len(views) == 2
    for cell in views:
        assert any(WIDGET in out.get("data", {}) for out in cell.outputs), cell.source


def test_the_small_sweep_shows_the_election_matters(executed):
    cell = next(c for c in executed if "batch_run" in c.source)
    result = next(out for out in cell.outputs if out.output_type == "execute_result")
    rows = {line.split()[0]: line.split() for line in result["data"]["text/plain"].splitlines()}
    # columns: election, success mean, success count, leaderless mean, leaderless count
    assert float(rows["lowest_id"][1]) == 1.0 and float(rows["none"][1]) == 0.0
    assert int(rows["lowest_id"][2]) == int(rows["none"][2]) == 4

"""Analysis: line and heatmap figures, the Markdown table, the `plot` command (nothing hidden)."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from sim.research import plots
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A finished three-parameter sweep (2 × 2 × 2 grid, 3 seeds)."""
    out = tmp_path_factory.mktemp("results")
    exp = parse_experiment(
        {
            "name": "plots",
            "steps": 40,
            "seeds": 3,
            "params": {"n_agents": 4},
            "sweep": {
                "message_loss": [0.0, 0.3],
                "dropout_rate": [0.0, 0.02],
                "election": ["lowest_id", "none"],
            },
        }
    )
    run_sweep(exp, out, workers=1, progress=False)
    return out


def test_load_results_finds_swept_parameters_and_metrics(results):
    """Swept parameters come from the experiment; metrics are the summary fields with data."""
    df, swept, metrics = plots.load_results(results)
    assert swept == ["message_loss", "dropout_rate", "election"]
    assert "mission_success" in metrics and "final_active" in metrics
    assert df["mission_success"].isin([0, 1]).all()


def test_plot_all_writes_lines_heatmaps_and_table(results):
    """Every metric gets a figure per swept parameter and a heatmap; the table lists the grid."""
    metrics = ["mission_success", "final_active"]
    files = plots.plot_all(results, only=metrics)
    _, swept, _ = plots.load_results(results)
    pngs = [f for f in files if f.suffix == ".png"]
    assert len(pngs) == len(metrics) * (len(swept) + 1)
    assert all(f.stat().st_size > 5000 for f in pngs)
    table = (results / "table.md").read_text()
    assert table.count("\n| ") == 1 + 8  # header + one row per grid point
    assert "message_loss | dropout_rate | election | runs | mission_success |" in table


def test_roles_pick_a_categorical_hue_and_a_facet(results):
    """Against a number, lines split by the categorical parameter, panels by the other."""
    df, swept, _ = plots.load_results(results)
    assert plots.roles(df, swept, "message_loss") == ("election", "dropout_rate")
    assert plots.heat_axes(df, swept) == ("message_loss", "dropout_rate", "election")


def test_plot_command_on_a_folder_without_results(tmp_path):
    """`plot` on a folder without summary.csv raises FileNotFoundError naming the file."""
    with pytest.raises(FileNotFoundError, match="summary.csv"):
        plots.plot_command(type("Args", (), {"dir": str(tmp_path)})())


def test_model_does_not_import_matplotlib():
    """`import sim.model` (and the sweep runner, and the command line) leave matplotlib unloaded."""
    code = "import sys, sim.model, sim.research.sweep, sim.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def raft_cut_off():
    """Runs where raft at comm_range 5 never recovered (0/10), and lowest_id at 10 lacks 2 of 10."""
    rows = []
    for election in ["lowest_id", "raft"]:
        for comm_range in [5, 10]:
            for seed in range(10):
                for loss in [0.0, 0.2]:
                    never = election == "raft" and comm_range == 5
                    gap = election == "lowest_id" and comm_range == 10 and seed < 2 and loss == 0
                    value = math.inf if never else (math.nan if gap else 20.0 + seed)
                    rows.append(
                        dict(
                            election=election,
                            comm_range=comm_range,
                            message_loss=loss,
                            seed=seed,
                            max_recovery_steps=value,
                            mission_success=not never,
                        )
                    )
    return pd.DataFrame(rows), ["election", "comm_range", "message_loss"]


def test_table_shows_runs_that_never_recovered(raft_cut_off):
    """A cell with none recovered stays as 'never: 20/20'; shares get Wilson intervals."""
    df, _ = raft_cut_off
    metrics = ["max_recovery_steps", "mission_success"]
    table = plots.markdown_table(df, ["election", "comm_range"], metrics)
    (raft5,) = [line for line in table.splitlines() if line.startswith("| raft | 5 |")]
    assert raft5 == "| raft | 5 | 20 | – (never: 20/20) | 0 [0, 0.161] (0/20) |"
    assert "| 1 [0.839, 1] (20/20) |" in table  # a Wilson interval, not 1 [1, 1]
    (lowest10,) = [line for line in table.splitlines() if line.startswith("| lowest_id | 10 |")]
    assert "(n=18)" in lowest10


def test_line_figure_keeps_never_recovered_points_and_names_pooled_dimensions(raft_cut_off):
    """Raft at comm_range 5 stays in the figure's data (recovered share 0).

    The subtitle names what is pooled; a point on fewer values than runs is marked n=k/runs.
    """
    df, swept = raft_cut_off
    fig = plots.line_figure(df, "max_recovery_steps", "comm_range", "election", swept=swept)
    try:
        title = fig.get_suptitle()
        assert "pooled over: seed, message_loss" in title and "20 runs per point" in title
        stats = plots.line_stats(df, "max_recovery_steps", "comm_range", "election")
        raft5 = stats[(stats["election"] == "raft") & (stats["comm_range"] == 5)].iloc[0]
        assert (raft5["never"], raft5["recovered"], raft5["runs"]) == (20, 0.0, 20)
        top, bottom = fig.axes[:2]
        assert bottom.get_ylabel().startswith("recovered")
        raft_line = [ln for ln in bottom.get_lines() if ln.get_label() == "election=raft"][0]
        assert list(raft_line.get_xdata()) == [5, 10] and list(raft_line.get_ydata()) == [0, 1]
        assert "n=18/20" in [t.get_text() for t in top.texts]
    finally:
        plots._plt().close(fig)


def test_heatmap_labels_a_cell_without_recoveries(raft_cut_off):
    """The heatmap cell of raft at comm_range 5 says 'never 20/20' instead of being blank."""
    df, swept = raft_cut_off
    fig = plots.heatmap_figure(df, "max_recovery_steps", "comm_range", "election", swept=swept)
    try:
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "never 20/20" in texts and "n=18/20" in " ".join(texts)
        assert "pooled over: seed, message_loss" in fig.get_suptitle()
    finally:
        plots._plt().close(fig)


def test_proportions_use_wilson_intervals_in_figures(raft_cut_off):
    """mission_success is a share: 20/20 gives a lower bound below 1 in the plotted band."""
    df, swept = raft_cut_off
    stats = plots.line_stats(df, "mission_success", "comm_range", "election")
    assert stats["lo"].min() == pytest.approx(0.0) and stats["lo"].max() < 0.85
    fig = plots.line_figure(df, "mission_success", "comm_range", "election", swept=swept)
    try:
        assert len(fig.axes) == 1 and "Wilson" in fig.axes[0].get_ylabel()
    finally:
        plots._plt().close(fig)


def test_plot_warns_once_on_an_incomplete_sweep(results, tmp_path, monkeypatch, capsys):
    """`plot` on a sweep missing runs says on stderr, in one line, how many of how many."""
    assert plots.missing_runs(results) == (0, 24)
    part = tmp_path / "part"
    shutil.copytree(results, part)
    lines = (part / "summary.csv").read_text().splitlines(keepends=True)
    (part / "summary.csv").write_text("".join(lines[:-5]))
    monkeypatch.setattr(plots, "plot_all", lambda folder: [folder / "table.md"])
    assert plots.plot_command(type("Args", (), {"dir": str(part)})()) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "5 of 24 runs missing" in err
    assert plots.plot_command(type("Args", (), {"dir": str(results)})()) == 0
    assert capsys.readouterr().err == ""

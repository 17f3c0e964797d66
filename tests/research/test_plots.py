"""Analysis: a few figures by default, options, categories as points, trajectories, the table."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.research import figures, plots, plotspec
from sim.research.design_figures import design_figure
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep
from sim.research.tables import STEP


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
    """With --all, a metric gets a figure per swept parameter and a heatmap; the table the grid."""
    metrics = ["mission_success", "final_active"]
    files = plots.plot_all(results, {"metric": metrics, "all": True})
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
    assert figures.roles(df, swept, "message_loss") == ("election", "dropout_rate")
    assert figures.heat_axes(df, swept) == ("message_loss", "dropout_rate", "election")


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
    fig = figures.line_figure(df, "max_recovery_steps", "comm_range", "election", swept=swept)
    try:
        title = fig.get_suptitle()
        assert "pooled over: seed, message_loss" in title and "20 runs per point" in title
        stats = figures.line_stats(df, "max_recovery_steps", "comm_range", "election")
        raft5 = stats[(stats["election"] == "raft") & (stats["comm_range"] == 5)].iloc[0]
        assert (raft5["never"], raft5["recovered"], raft5["runs"]) == (20, 0.0, 20)
        top, bottom = fig.axes[:2]
        assert bottom.get_ylabel().startswith("recovered")
        raft_line = [ln for ln in bottom.get_lines() if ln.get_label() == "election=raft"][0]
        assert list(raft_line.get_xdata()) == [5, 10] and list(raft_line.get_ydata()) == [0, 1]
        assert "n=18/20" in [t.get_text() for t in top.texts]
    finally:
        figures.pyplot().close(fig)


def test_heatmap_labels_a_cell_without_recoveries(raft_cut_off):
    """The heatmap cell of raft at comm_range 5 says 'never 20/20' instead of being blank."""
    df, swept = raft_cut_off
    fig = figures.heatmap_figure(df, "max_recovery_steps", "comm_range", "election", swept=swept)
    try:
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "never 20/20" in texts and "n=18/20" in " ".join(texts)
        assert "pooled over: seed, message_loss" in fig.get_suptitle()
    finally:
        figures.pyplot().close(fig)


def test_proportions_use_wilson_intervals_in_figures(raft_cut_off):
    """mission_success is a share: 20/20 gives a lower bound below 1 in the plotted band."""
    df, swept = raft_cut_off
    stats = figures.line_stats(df, "mission_success", "comm_range", "election")
    assert stats["lo"].min() == pytest.approx(0.0) and stats["lo"].max() < 0.85
    fig = figures.line_figure(df, "mission_success", "comm_range", "election", swept=swept)
    try:
        assert len(fig.axes) == 1 and "Wilson" in fig.axes[0].get_ylabel()
    finally:
        figures.pyplot().close(fig)


def test_plot_warns_once_on_an_incomplete_sweep(results, tmp_path, monkeypatch, capsys):
    """`plot` on a sweep missing runs says on stderr, in one line, how many of how many."""
    assert plots.missing_runs(results) == (0, 24, True)
    part = tmp_path / "part"
    shutil.copytree(results, part)
    lines = (part / "summary.csv").read_text().splitlines(keepends=True)
    (part / "summary.csv").write_text("".join(lines[:-5]))
    monkeypatch.setattr(plots, "plot_all", lambda folder, options, notes: [folder / "table.md"])
    assert plots.plot_command(type("Args", (), {"dir": str(part)})()) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "5 of 24 runs missing" in err
    assert plots.plot_command(type("Args", (), {"dir": str(results)})()) == 0
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------- a small synthetic sweep
SERIES_STEPS = [0, 5, 10, 15, 20]


def write_results(folder: Path, plot: str = "", series: bool = True) -> pd.DataFrame:
    """A results folder of 16 runs (election × message_loss × 4 seeds), with n_leaders series.

    Run 3 ends at step 10 (its mission done), so later steps pool one run fewer.
    """
    rng = np.random.default_rng(7)
    rows = []
    for i, (election, loss, seed) in enumerate(
        (e, m, s) for e in ["lowest_id", "raft"] for m in [0.0, 0.2] for s in range(4)
    ):
        rows.append(
            dict(
                message_loss=loss,
                election=election,
                seed=seed,
                mission_success=bool(rng.random() < 0.6),
                completion_time=math.nan,
                max_recovery_steps=math.inf if i == 5 else float(rng.integers(10, 40)),
                leaderless_steps=int(rng.integers(5, 30)),
                final_active=int(rng.integers(5, 10)),
                messages_sent=int(rng.integers(1000, 5000)),
                steps=int(rng.integers(300, 400)),
                status="ok",
                error="",
                run_id=f"run{i:02d}",
            )
        )
    df = pd.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "summary.csv", index=False)
    if plot:
        (folder / "experiment.toml").write_text(f"steps = 20\nseeds = 4\n\n[plot]\n{plot}\n")
    if series:
        (folder / "timeseries").mkdir()
        for run_id in df["run_id"]:
            steps = SERIES_STEPS[:3] if run_id == "run03" else SERIES_STEPS
            table = pd.DataFrame(
                {"run_id": run_id, STEP: steps, "n_leaders": rng.integers(0, 3, len(steps))}
            )
            table.to_parquet(folder / "timeseries" / f"{run_id}.parquet", index=False)
    return df


@pytest.fixture
def drawn(monkeypatch):
    """The figures `plot_all` saves, by file name, still open (closed after the test)."""
    kept = {}

    def keep(plt, fig, path):
        kept[path.name] = fig
        path.touch()
        return path

    monkeypatch.setattr(plots, "_save", keep)
    yield kept
    for fig in kept.values():
        figures.pyplot().close(fig)


def test_default_set_is_a_few_figures_without_steps_or_message_counts(tmp_path, drawn):
    """Without options or [plot]: two priority metrics vs the first swept parameter, one series.

    Every figure names the dimensions it pools over and how many runs each point has.
    """
    write_results(tmp_path / "r")
    files = plots.plot_all(tmp_path / "r")
    names = [f.name for f in files]
    assert names == [
        "mission_success__vs__message_loss.png",
        "max_recovery_steps__vs__message_loss.png",
        "n_leaders__over__steps.png",
        "table.md",
    ]
    assert set(drawn) == set(names[:-1])
    for fig in drawn.values():
        assert "pooled over: seed" in fig.get_suptitle() and "runs per point" in fig.get_suptitle()
    table = (tmp_path / "r" / "table.md").read_text()
    assert "messages_sent" in table  # the table keeps every metric; figures only the few


def test_plot_table_in_the_experiment_file_sets_the_default(tmp_path, drawn):
    """[plot] chooses metrics, axes and series; `none` pools a role and the subtitle says so."""
    plot = (
        'metrics = ["final_active"]\nx = "election"\nhue = "none"\nfacet = "none"\ntimeseries = []'
    )
    write_results(tmp_path / "r", plot=plot)
    files = plots.plot_all(tmp_path / "r")
    assert [f.name for f in files] == ["final_active__vs__election.png", "table.md"]
    title = drawn["final_active__vs__election.png"].get_suptitle()
    assert "pooled over: seed, message_loss" in title and "8 runs per point" in title


def test_options_override_the_plot_table(tmp_path, drawn):
    """--metric and --x replace [plot]'s; with --metric and no --timeseries no series is drawn."""
    write_results(tmp_path / "r", plot='metrics = ["final_active"]\nx = "message_loss"')
    files = plots.plot_all(tmp_path / "r", {"metric": ["leaderless_steps"], "x": "election"})
    assert [f.name for f in files] == ["leaderless_steps__vs__election.png", "table.md"]
    assert "pooled over: seed\n" in drawn["leaderless_steps__vs__election.png"].get_suptitle()


def test_all_draws_every_metric_against_every_parameter_and_every_series(tmp_path, drawn):
    """--all without --metric: each metric with data × (each swept parameter + a heatmap)."""
    write_results(tmp_path / "r")
    df, swept, usable = plots.load_results(tmp_path / "r")
    files = plots.plot_all(tmp_path / "r", {"all": True})
    assert "steps" in usable and "completion_time" not in usable  # all NaN: nothing to draw
    assert len(files) == len(usable) * (len(swept) + 1) + 1 + 1  # + the series, + the table
    assert "steps__heatmap.png" in drawn and "n_leaders__over__steps.png" in drawn


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "mission_success,speed"], r"--metric: unknown metric 'speed' \(allowed: "),
        (["--metric", "completion_time"], r"--metric: completion_time has no finite value"),
        (["--x", "n_agents"], r"--x: unknown parameter 'n_agents' \(allowed: message_loss, elec"),
        (["--hue", "nobody"], r"--hue: unknown parameter 'nobody' \(allowed: message_loss, elec"),
        (["--x", "election", "--facet", "election"], r"--facet: election is already the x"),
        (["--timeseries", "order"], r"--timeseries: unknown stored column 'order' \(allowed: n_l"),
        (["--all", "--hue", "election"], r"--hue: --all chooses its own axes"),
    ],
)
def test_bad_plot_options_are_one_line_naming_the_option(tmp_path, capsys, args, message):
    """A wrong option value: exit 2 and one line naming the option and the allowed values."""
    write_results(tmp_path / "r")
    assert main(["plot", str(tmp_path / "r"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("swarm-sim plot: error: ")
    assert re.search(message, err), err


def test_timeseries_option_needs_stored_series(tmp_path, capsys):
    """--timeseries on results without [timeseries] says how to get them (exit 2)."""
    write_results(tmp_path / "r", series=False)
    assert main(["plot", str(tmp_path / "r"), "--timeseries", "n_leaders"]) == 2
    assert "add a [timeseries] table" in capsys.readouterr().err


def test_a_facet_with_too_many_values_is_refused():
    """More panels than MAX_FACETS on request is an error; by default that parameter is pooled."""
    counts = {"election": 3, "n_agents": plotspec.MAX_FACETS + 1}
    with pytest.raises(ValueError, match=r"--facet: n_agents has 7 values"):
        plotspec.choose_roles({"facet": "n_agents"}, {}, ["election", "n_agents"], counts)
    roles = plotspec.choose_roles(
        {}, {}, ["election", "message_loss", "n_agents"], {**counts, "message_loss": 2}
    )
    assert roles == {"x": "election", "hue": "message_loss", "facet": None}


def test_plot_command_prints_the_files_it_wrote(tmp_path, capsys):
    """`swarm-sim plot DIR` lists every file written, table included."""
    write_results(tmp_path / "r")
    args = ["--metric", "final_active", "--timeseries", "n_leaders"]
    assert main(["plot", str(tmp_path / "r"), *args]) == 0
    out = capsys.readouterr().out
    assert "wrote 2 figures" in out
    for name in ("final_active__vs__message_loss.png", "n_leaders__over__steps.png", "table.md"):
        assert (
            name in out
            and (tmp_path / "r" / ("figures" if name.endswith("png") else "") / name).exists()
        )


def _connecting_lines(ax) -> list:
    return [
        ln
        for ln in ax.get_lines()
        if len(ln.get_xdata()) > 1 and ln.get_linestyle() not in ("None", "none", "", " ")
    ]


def test_categorical_axis_gets_dodged_points_with_error_bars(raft_cut_off):
    """Against `election`: dodged points with error bars per comm_range; no lines, no bands."""
    from matplotlib.collections import PolyCollection
    from matplotlib.container import ErrorbarContainer

    df, swept = raft_cut_off
    fig = figures.line_figure(df, "max_recovery_steps", "election", "comm_range", swept=swept)
    try:
        stats = figures.line_stats(df, "max_recovery_steps", "election", "comm_range")
        for ax, column in zip(fig.axes[:2], ("mean", "recovered"), strict=True):
            assert _connecting_lines(ax) == []
            assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
            bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
            assert [c.get_label() for c in bars] == ["comm_range=5", "comm_range=10"]
            xs = [np.asarray(c.lines[0].get_xdata(), dtype=float) for c in bars]
            assert (xs[0] < xs[1]).all() and (np.round(xs[0]) == [0, 1]).all()  # dodged
            assert (np.round(xs[1]) == [0, 1]).all()
            for c, comm_range in zip(bars, (5, 10), strict=True):
                want = stats[stats["comm_range"] == comm_range].sort_values("election")[column]
                np.testing.assert_allclose(c.lines[0].get_ydata(), want)
    finally:
        figures.pyplot().close(fig)
    fig = figures.line_figure(df, "mission_success", "comm_range", "election", swept=swept)
    try:  # a numeric axis keeps its lines and interval bands
        (ax,) = fig.axes
        assert len(_connecting_lines(ax)) == 2
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    finally:
        figures.pyplot().close(fig)


def test_trajectories_are_the_mean_of_the_stored_series(tmp_path, drawn):
    """Each line is the per-step mean of the series written, per hue value, pooled and counted."""
    write_results(tmp_path / "r")
    options = {"timeseries": ["n_leaders"], "hue": "election", "facet": "none"}
    files = plots.plot_all(tmp_path / "r", options)
    assert [f.name for f in files] == ["n_leaders__over__steps.png", "table.md"]
    runs = pd.read_csv(tmp_path / "r" / "summary.csv")
    series = pd.concat(
        pd.read_parquet(f) for f in sorted((tmp_path / "r" / "timeseries").glob("*"))
    )
    series = series.merge(runs[["run_id", "election"]], on="run_id")
    fig = drawn["n_leaders__over__steps.png"]
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert set(lines) == {"election=lowest_id", "election=raft"}
    for election, group in series.groupby("election"):
        want = group.groupby(STEP)["n_leaders"].mean()
        line = lines[f"election={election}"]
        assert list(line.get_xdata()) == SERIES_STEPS
        np.testing.assert_allclose(line.get_ydata(), want.loc[SERIES_STEPS])
    per_step = series.groupby(["election", STEP]).size()
    title = fig.get_suptitle()
    assert "pooled over: seed, message_loss" in title
    assert f"{per_step.min()}–{per_step.max()} runs per point" in title


def test_trajectories_of_a_real_sweep(tmp_path, drawn):
    """Series as a sweep writes them (the run id in the file's name and metadata, not a column)."""
    exp = parse_experiment(
        {
            "name": "series",
            "steps": 60,
            "seeds": 2,
            "params": {"n_agents": 5, "leader_dropout_at": 20},
            "sweep": {"election": ["lowest_id", "none"]},
            "timeseries": {"columns": ["n_leaders"], "every": 10},
        }
    )
    run_sweep(exp, tmp_path / "r", workers=1, progress=False)
    plots.plot_all(tmp_path / "r", {"timeseries": ["n_leaders"], "hue": "election"})
    lines = {ln.get_label(): ln for ln in drawn["n_leaders__over__steps.png"].axes[0].get_lines()}
    assert set(lines) == {"election=lowest_id", "election=none"}
    # after the leader's loss at step 20 the election restores one leader; without one, none
    assert list(lines["election=lowest_id"].get_ydata())[-1] == 1
    assert list(lines["election=none"].get_ydata())[-1] == 0


def test_a_sampled_design_is_drawn_as_one_dot_per_design_point(tmp_path, drawn, capsys):
    """A design has as many values as points: a dot per point against each sampled parameter."""
    exp = parse_experiment(
        {
            "name": "lhs",
            "steps": 40,
            "seeds": 2,
            "params": {"n_agents": 4, "leader_dropout_at": 10},
            "design": {"kind": "lhs", "n": 8, "seed": 3},
            "ranges": {"comm_range": [5.0, 30.0], "election": ["lowest_id", "none"]},
        }
    )
    run_sweep(exp, tmp_path / "r", workers=1, progress=False)
    files = plots.plot_all(tmp_path / "r", {"metric": ["leader_changes"]})
    assert [f.name for f in files] == ["leader_changes__design.png", "table.md"]
    fig = drawn["leader_changes__design.png"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["comm_range", "election"]
    dots = panels[0].collections[0].get_offsets()
    assert len(dots) == 8  # one per design point, each the mean over its two seeds
    runs = pd.read_csv(tmp_path / "r" / "summary.csv")
    means = runs.groupby("comm_range")["leader_changes"].mean()
    np.testing.assert_allclose(sorted(dots[:, 1]), sorted(means.to_numpy()))
    title = "8 distinct settings, one dot each (each the mean of up to 2 seeds)"
    assert title in fig._suptitle.get_text()
    one = design_figure(runs[runs["seed"] == 0], "leader_changes", ["comm_range", "election"])
    assert "8 distinct settings, one dot each (one run each)" in one._suptitle.get_text()
    assert main(["plot", str(tmp_path / "r"), "--x", "election"]) == 2
    assert "a sampled design is drawn against every sampled parameter" in capsys.readouterr().err

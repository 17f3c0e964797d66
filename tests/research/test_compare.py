"""``swarm-sim compare``: paired differences, effect sizes and sentences on known cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.research.compare import compare, result_frame
from sim.research.compare_text import sentence
from sim.research.effects import cohen_dz, paired_difference, paired_proportions
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep

METRICS = ["mission_success", "max_recovery_steps", "leaderless_steps", "messages_sent"]


# ---------------------------------------------------------------------- statistics
def test_an_exact_shift_gives_that_difference_and_a_zero_width_interval():
    """B = A + 5 on every pair: difference 5, interval [5, 5], d_z infinite (no spread)."""
    a = np.arange(20, dtype=float) * 3.0
    s = paired_difference(a, a + 5)
    assert (s["n"], s["diff"], s["lo"], s["hi"]) == (20, 5.0, 5.0, 5.0)
    assert s["d_z"] == math.inf and math.isnan(s["d_lo"])
    assert cohen_dz(np.zeros(5))[0] == 0.0


def test_the_t_interval_of_a_paired_difference_covers_the_true_shift():
    """B = A + 5 + noise (sd 2), 30 pairs: the interval covers 5 in about 95 % of 400 samples."""
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(400):
        a = rng.normal(100, 30, 30)  # a large seed-to-seed spread the pairing removes
        s = paired_difference(a, a + 5 + rng.normal(0, 2, 30))
        hits += s["lo"] <= 5 <= s["hi"]
        assert s["hi"] - s["lo"] < 4  # an unpaired interval would be ~30 wide
    assert 0.92 <= hits / 400 <= 0.98


def test_cohen_dz_and_its_interval_cover_the_true_standardised_effect():
    """Differences ~ N(1, 2): d_z estimates 0.5 and its interval covers 0.5 in ~95 % of cases."""
    rng = np.random.default_rng(2)
    hits, estimates = 0, []
    for _ in range(200):
        dz, lo, hi = cohen_dz(rng.normal(1, 2, 25))
        estimates.append(dz)
        hits += lo <= 0.5 <= hi
    assert abs(np.mean(estimates) - 0.5) < 0.05
    assert 0.91 <= hits / 200 <= 0.99


def test_paired_shares_count_discordant_pairs_and_cover_the_true_difference():
    """Correlated 0/1 pairs with p_A = 0.5, p_B = 0.65: counts exact, Newcombe covers 0.15."""
    a = np.array([1, 1, 1, 0, 0, 0, 0])
    b = np.array([1, 0, 1, 1, 1, 0, 1])
    s = paired_proportions(a, b)
    assert (s["a_only"], s["b_only"], s["n"]) == (1, 3, 7)
    assert s["diff"] == pytest.approx(2 / 7) and s["lo"] < s["diff"] < s["hi"]
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(300):
        u = rng.random(60)
        s = paired_proportions(u < 0.5, (u + rng.normal(0, 0.2, 60)) < 0.65)
        true = 0.65 - 0.5  # u < 0.65 shifted by noise: P(u + e < 0.65) is 0.65 to 1e-2
        hits += s["lo"] <= true <= s["hi"]
    assert 0.90 <= hits / 300 <= 0.99
    same = paired_proportions(np.ones(10), np.ones(10))
    assert same["diff"] == 0 and same["lo"] < 0 < same["hi"] and same["mcnemar_p"] == 1.0


def test_newcombe_interval_matches_the_textbook_example():
    """Bentur et al. (2009) paired table 1, 1 / 7, 12: 0.286 (0.026 to 0.507), Fagerland et al."""
    from sim.research.effects import newcombe_paired

    lo, hi = newcombe_paired(both=1, a_only=1, b_only=7, neither=12)
    assert (round(lo, 3), round(hi, 3)) == (0.026, 0.507)
    lo, hi = newcombe_paired(both=1, a_only=7, b_only=1, neither=12)  # B and A swapped
    assert (round(lo, 3), round(hi, 3)) == (-0.507, -0.026)


# ---------------------------------------------------------------------- a constructed sweep
def _row(election, loss, seed, leaderless, recovery=20.0, success=True):
    return {
        "election": election,
        "message_loss": loss,
        "n_agents": 10,
        "seed": seed,
        "mission_success": success,
        "max_recovery_steps": recovery,
        "leaderless_steps": leaderless,
        "messages_sent": 1000 + seed,
        "status": "ok",
        "run_id": f"{election}-{loss}-{seed}",
    }


def _write(folder: Path, rows: list[dict], order: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "summary.csv", index=False)
    if order is not None:
        prov = {
            "experiment": {"sweep": {"message_loss": [0.0, 0.2], "election": order}},
            "columns": {"params": ["n_agents", "message_loss", "election"], "summary": METRICS},
        }
        (folder / "provenance.json").write_text(json.dumps(prov))
    return folder


@pytest.fixture
def shifted(tmp_path):
    """lowest_id spends exactly 5 more steps leaderless than raft on the same seed and loss."""
    rows = []
    for loss in (0.0, 0.2):
        for seed in range(20):
            base = 100 * (loss > 0) + 7 * seed  # differs between settings: wrong pairs show it
            rows.append(_row("raft", loss, seed, base))
            rows.append(_row("lowest_id", loss, seed, base + 5))
    return _write(tmp_path / "shifted", rows, order=["raft", "lowest_id"])


def _rows(report, metric, level=None):
    return [r for r in report["rows"] if r["metric"] == metric and level in (None, r["level"])]


def test_runs_pair_by_seed_and_other_settings_and_the_shift_is_exact(shifted):
    """40 pairs (20 seeds × 2 losses), difference exactly +5, sentence with those numbers."""
    report = compare(shifted, "election")
    assert report["baseline"] == "raft" and report["levels"] == ["raft", "lowest_id"]
    [row] = _rows(report, "leaderless_steps")
    assert (row["pairs"], row["n"], row["diff"], row["lo"], row["hi"]) == (40, 40, 5, 5, 5)
    assert row["sentence"] == (
        "lowest_id spends 5.00 more steps leaderless than raft (95 % CI 5.00–5.00; "
        "40 pairs of runs)."
    )
    assert [r["metric"] for r in report["rows"]] == [
        "mission_success",
        "max_recovery_steps",
        "recovered",
        "leaderless_steps",
    ]  # the default metrics; never message counts


def test_the_baseline_defaults_to_the_file_order_and_can_be_chosen(shifted):
    """--baseline lowest_id flips the sign: raft spends 5 fewer steps leaderless."""
    [row] = _rows(
        compare(shifted, "election", ["leaderless_steps"], "lowest_id"), "leaderless_steps"
    )
    assert row["diff"] == -5 and row["level"] == "raft"
    assert row["sentence"].startswith("raft spends 5.00 fewer steps leaderless than lowest_id")
    by_loss = compare(shifted, "message_loss", ["leaderless_steps"], baseline="0")
    assert by_loss["baseline"] == "0.0" and _rows(by_loss, "leaderless_steps")[0]["diff"] == 100


def test_unpaired_and_failed_runs_are_counted_not_paired(shifted):
    """A raft run without partner and a failed lowest_id run: 39 pairs, both counted."""
    df = pd.read_csv(shifted / "summary.csv")
    extra = pd.DataFrame([_row("raft", 0.0, 99, 3.0)])
    failed = df.index[(df["election"] == "lowest_id") & (df["seed"] == 0)][0]
    df.loc[failed, "status"] = "failed"
    pd.concat([df, extra]).to_csv(shifted / "summary.csv", index=False)
    report = compare(shifted, "election", ["leaderless_steps"])
    [row] = report["rows"]
    assert (row["pairs"], row["unpaired_baseline"], row["unpaired_level"]) == (39, 2, 0)
    assert row["diff"] == 5 and report["failed"] == 1
    assert main(["compare", str(shifted), "--by", "election"]) == 0


def test_noisy_shift_with_three_levels_each_against_the_baseline(tmp_path):
    """Levels b = a + 3 + noise, c = a − 2 + noise: each interval covers its shift; d_z > 0."""
    rng = np.random.default_rng(4)
    rows = []
    for seed in range(40):
        base = rng.normal(200, 50)
        rows.append(_row("raft", 0.0, seed, base))
        rows.append(_row("lowest_id", 0.0, seed, base + 3 + rng.normal(0, 2)))
        rows.append(_row("succession", 0.0, seed, base - 2 + rng.normal(0, 2)))
    folder = _write(tmp_path / "noisy", rows, order=["raft", "lowest_id", "succession"])
    report = compare(folder, "election", ["leaderless_steps"])
    lowest, succession = report["rows"]
    assert (lowest["level"], succession["level"]) == ("lowest_id", "succession")
    assert lowest["lo"] <= 3 <= lowest["hi"] and succession["lo"] <= -2 <= succession["hi"]
    assert lowest["d_lo"] <= 1.5 <= lowest["d_hi"]  # true d_z = 3 / 2
    assert lowest["lo"] > 0 and succession["hi"] < 0  # both clear at 40 pairs
    assert "fewer steps leaderless than raft" in succession["sentence"]


def test_never_recovered_runs_are_counted_on_each_side_and_shares_compared(tmp_path):
    """Inf on A, on B, on both, NaN: times from both-recovered pairs; the rest counted."""
    rows = []
    recoveries = {  # seed: (raft, lowest_id)
        **{s: (30.0, 20.0) for s in range(10)},
        10: (math.inf, 20.0),
        11: (math.inf, 25.0),
        12: (30.0, math.inf),
        13: (math.inf, math.inf),
        14: (math.nan, 20.0),
    }
    for seed, (a, b) in recoveries.items():
        rows.append(_row("raft", 0.0, seed, 10, recovery=a))
        rows.append(_row("lowest_id", 0.0, seed, 10, recovery=b))
    folder = _write(tmp_path / "inf", rows, order=["raft", "lowest_id"])
    report = compare(folder, "election", ["max_recovery_steps"])
    time, share = report["rows"]
    assert (time["n"], time["diff"]) == (10, -10)
    assert (time["never_a"], time["never_b"], time["never_both"], time["undefined"]) == (2, 1, 1, 1)
    assert time["sentence"].startswith("lowest_id recovers 10.0 steps faster than raft")
    assert "raft 2, lowest_id 1, both 1" in time["sentence"]
    assert share["metric"] == "recovered" and share["n"] == 14  # the NaN pair left out
    assert (share["a_only"], share["b_only"]) == (1, 2)
    assert share["mean_a"] == pytest.approx(11 / 14) and share["mean_b"] == pytest.approx(12 / 14)


def test_mission_success_is_a_paired_share(tmp_path):
    """Discordant pairs 8 vs 0 out of 30: +26.7 percentage points, clear, McNemar p < 0.01."""
    rows = []
    for seed in range(30):
        rows.append(_row("none", 0.0, seed, 10, success=seed % 2 == 0 and seed >= 16))
        rows.append(_row("raft", 0.0, seed, 10, success=seed % 2 == 0))
    folder = _write(tmp_path / "share", rows, order=["none", "raft"])
    [row] = compare(folder, "election", ["mission_success"])["rows"]
    assert (row["a_only"], row["b_only"], row["diff"]) == (0, 8, pytest.approx(8 / 30))
    assert row["lo"] > 0 and row["mcnemar_p"] < 0.01
    assert row["sentence"].startswith(
        "raft completes the mission 26.7 percentage points more often than none (95 % CI "
    )


def test_an_interval_holding_zero_says_no_clear_difference():
    """A row whose interval spans 0 gets 'no clear difference' and the signed difference."""
    row = {"by": "election", "baseline": "raft", "level": "none", "metric": "leaderless_steps"}
    row.update(kind="mean", n=12, diff=-1.5, lo=-4.0, hi=1.0)
    assert sentence(row) == (
        "No clear difference in leaderless steps between none and raft (none − raft = -1.50, "
        "95 % CI -4.00 to 1.00; 12 pairs of runs)."
    )


def test_the_table_is_written_as_csv(shifted, tmp_path, capsys):
    """--out FILE.csv: one row per (level, metric) with the statistics and the sentence."""
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(shifted), "--by", "election", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table["metric"]) == [
        "mission_success",
        "max_recovery_steps",
        "recovered",
        "leaderless_steps",
    ]
    assert table.loc[3, "diff"] == 5 and table.loc[3, "pairs"] == 40
    printed = capsys.readouterr().out
    assert "lowest_id vs raft: 40 pairs of runs" in printed and table.loc[3, "sentence"] in printed
    assert list(table.columns) == list(result_frame({"rows": []}).columns)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--by", "electon"], "unknown parameter 'electon' (swept here: message_loss, election)"),
        (["--by", "n_agents"], "--by n_agents: only one level (10)"),
        (["--by", "election", "--metric", "speed"], "unknown metric 'speed' (allowed: "),
        (["--by", "election", "--baseline", "none"], "'none' is not a level of election"),
        (["--by", "election", "--out", "x.txt"], "--out must end in .csv or .parquet"),
    ],
)
def test_bad_options_give_one_line_and_status_2(shifted, capsys, extra, says):
    """Each mistake: exit 2, one line on stderr naming the option and what is allowed."""
    assert main(["compare", str(shifted), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("swarm-sim compare: error:") and says in err


def test_a_sampled_range_with_many_levels_is_refused(tmp_path, capsys):
    """60 distinct message_loss values: exit 2 for --by it; by election nothing pairs."""
    rows = [_row("raft", i / 100, i, 10) for i in range(30)]
    rows += [_row("none", i / 100 + 0.005, i, 10) for i in range(30)]  # other sampled points
    folder = _write(tmp_path / "sampled", rows)
    assert main(["compare", str(folder), "--by", "message_loss"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--by message_loss: 60 levels" in err
    [row] = compare(folder, "election", ["leaderless_steps"])["rows"]  # each run alone
    assert (row["pairs"], row["unpaired_baseline"], row["unpaired_level"]) == (0, 30, 30)
    assert row["sentence"].startswith("No pair of raft and none runs where both have a value")


def test_a_missing_folder_is_one_line(tmp_path, capsys):
    """No such folder: exit 2, one line naming it."""
    assert main(["compare", str(tmp_path / "nowhere"), "--by", "election"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere not found" in err


# ---------------------------------------------------------------------- a real sweep
TINY = {
    "name": "tiny-compare",
    "steps": 80,
    "seeds": 3,
    "params": {"n_agents": 5, "leader_dropout_at": 20},
    "sweep": {"election": ["lowest_id", "none"]},
}


def test_end_to_end_on_a_tiny_sweep(tmp_path, capsys):
    """3 seeds: 3 pairs; without election no run recovers, lowest_id's runs all do."""
    out = tmp_path / "tiny"
    run_sweep(parse_experiment(TINY), out, workers=1, progress=False)
    assert main(["compare", str(out), "--by", "election", "--out", str(tmp_path / "t.csv")]) == 0
    table = pd.read_csv(tmp_path / "t.csv").set_index("metric")
    assert (table["pairs"] == 3).all() and (table["unpaired_level"] == 0).all()
    assert table.loc["recovered", "mean_a"] == 1.0 and table.loc["recovered", "mean_b"] == 0.0
    assert table.loc["max_recovery_steps", "never_b"] == 3
    assert table.loc["max_recovery_steps", "sentence"] == (
        "No pair of none and lowest_id runs where both have a value of recovery time "
        "(left out: pairs where a run never recovered — none 3)."
    )
    assert table.loc["leaderless_steps", "diff"] > 0  # no new leader: leaderless to the end
    assert "none vs lowest_id: 3 pairs of runs" in capsys.readouterr().out

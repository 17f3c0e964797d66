"""Many seeds at once: A and B on paired seeds, progress, cancel, rows equal to single runs."""

from __future__ import annotations

import io
import math
import threading

import pandas as pd
import pytest

from sim.model import SwarmModel
from sim.params import SwarmParams, field_names
from sim.research.experiment import Experiment, settings_run_id
from sim.research.paired import (
    MAX_SEEDS,
    MIN_SEEDS,
    PairedBatch,
    check_count,
    make_plan,
    table,
)
from sim.research.results import summary_fields
from sim.research.tables import table_bytes

pytestmark = pytest.mark.timeout(180)

# small and short: the leader drops out at step 40, the run ends at step 120
SMALL = {"n_agents": 6, "formation": "wedge", "leader_dropout_at": 40, "max_steps": 120}
COMPARE = ("election", "none")


def same(a, b) -> bool:
    """Equal, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def test_runs_are_paired_seed_by_seed_and_b_changes_one_field():
    """Each seed runs A then B; B's settings are A's with only the compared field changed."""
    plan = make_plan(SMALL, COMPARE, first=7, count=3)
    runs = plan.runs()
    assert [(name, run.seed) for name, run in runs] == [
        (name, seed) for seed in (7, 8, 9) for name in "AB"
    ]
    a, b = plan.settings["A"], plan.settings["B"]
    assert {k for k in a if a[k] != b[k]} == {"election"}
    assert b["election"] == "none" and a["election"] == SwarmParams().election
    assert plan.labels == {"A": f"A: election={a['election']}", "B": "B: election=none"}
    assert len({run.run_id for _, run in runs}) == 6


def test_without_a_comparison_only_a_runs():
    """No comparison set: one run per seed, all of setting A."""
    plan = make_plan(SMALL, None, first=1, count=4)
    assert [name for name, _ in plan.runs()] == ["A"] * 4
    assert plan.labels == {"A": "A"}


def test_the_plan_is_a_snapshot_of_the_settings():
    """Changing the settings after the plan was made does not change what runs."""
    params = dict(SMALL)
    plan = make_plan(params, COMPARE, first=1, count=2)
    params["n_agents"] = 12
    params["election"] = "raft"
    assert plan.settings["A"]["n_agents"] == 6
    assert plan.settings["B"]["election"] == "none"


@pytest.mark.parametrize("workers", [0, 1])
def test_rows_equal_single_runs_in_this_thread_and_in_a_worker_process(workers):
    """Every row's summary is what SwarmModel(**params, rng=seed).run() returns, with the id."""
    plan = make_plan(SMALL, COMPARE, first=3, count=2)
    df = PairedBatch(plan, workers=workers).run()
    assert len(df) == 4 and set(df["status"]) == {"ok"}
    for _, row in df.iterrows():
        params = plan.settings[row["setting"]]
        expected = SwarmModel(**params, rng=int(row["seed"])).run()
        for key, value in expected.items():
            assert same(row[key], value), (row["setting"], row["seed"], key)
        assert row["run_id"] == settings_run_id(params, int(row["seed"]))
        assert row["election"] == params["election"]


def test_run_ids_are_the_ids_a_sweep_gives_the_same_settings():
    """A row's run_id is the one a sweep of the same settings and seed records."""
    fixed = {k: v for k, v in SMALL.items() if k != "max_steps"}  # an experiment's `steps`
    exp = Experiment("e", "", 120, (5,), fixed, {"election": ["lowest_id", "none"]})
    sweep_ids = {run.run_id for run in exp.runs()}
    plan = make_plan(SMALL, COMPARE, first=5, count=1)
    assert {run.run_id for _, run in plan.runs()} == sweep_ids


def test_progress_is_reported_after_every_run():
    """on_progress sees 1, 2, ..., total out of total."""
    plan = make_plan(SMALL, COMPARE, first=1, count=3)
    seen = []
    PairedBatch(plan, workers=0).run(on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]


def test_cancel_stops_after_the_runs_already_finished():
    """Cancelled after 3 runs: no further run, the 3 rows are kept, and it says so."""
    plan = make_plan(SMALL, COMPARE, first=1, count=5)
    batch = PairedBatch(plan, workers=0)

    def progress(done, total):
        if done == 3:
            batch.cancel()

    df = batch.run(on_progress=progress)
    assert batch.cancelled and batch.done == 3 and len(df) == 3
    assert list(df["seed"]) == [1, 1, 2]


def test_cancel_from_another_thread_stops_a_process_batch_early():
    """Cancel from another thread (the UI's button) ends a batch in worker processes early."""
    plan = make_plan({**SMALL, "max_steps": 400}, COMPARE, first=1, count=20)
    batch = PairedBatch(plan, workers=1)
    first = threading.Event()
    out = {}
    worker = threading.Thread(
        target=lambda: out.update(df=batch.run(on_progress=lambda d, t: first.set()))
    )
    worker.start()
    assert first.wait(120)
    batch.cancel()
    worker.join(60)
    assert not worker.is_alive()
    assert 1 <= batch.done < batch.total and len(out["df"]) == batch.done


def test_csv_has_one_row_per_run_with_setting_seed_id_summary_parameters_and_version():
    """The CSV: setting, label, seed, run_id, every summary field, every parameter, version."""
    plan = make_plan(SMALL, COMPARE, first=1, count=2)
    df = PairedBatch(plan, workers=0).run()
    back = pd.read_csv(io.BytesIO(table_bytes(df, ".csv")))
    assert len(back) == 4
    for col in ("setting", "label", "seed", "run_id", "status", "version"):
        assert col in back.columns
    assert set(summary_fields()) <= set(back.columns)
    assert set(field_names()) <= set(back.columns)
    assert list(back["setting"]) == ["A", "B", "A", "B"]
    assert list(back["seed"]) == [1, 1, 2, 2]


def test_an_empty_table_still_has_the_columns():
    """Cancelled before any run finished: the table is empty but has its columns."""
    df = table([])
    assert len(df) == 0 and {"setting", "seed", "version", *field_names()} <= set(df.columns)


@pytest.mark.parametrize("bad", ["", "abc", "2.5", str(MIN_SEEDS - 1), str(MAX_SEEDS + 1)])
def test_a_bad_number_of_seeds_names_the_range(bad):
    """Outside the range or not a whole number: one message naming the range."""
    with pytest.raises(ValueError, match=rf"number of seeds .*\[{MIN_SEEDS}, {MAX_SEEDS}\]"):
        check_count(bad)


def test_a_good_number_of_seeds_is_accepted():
    """Whole numbers in the range are accepted (spaces around are fine)."""
    assert check_count(f" {MIN_SEEDS} ") == MIN_SEEDS
    assert check_count(MAX_SEEDS) == MAX_SEEDS


def test_bad_settings_name_the_field():
    """A comparison value out of range is refused, naming the field."""
    with pytest.raises(ValueError, match="message_loss"):
        make_plan(SMALL, ("message_loss", 2.0), first=1, count=2)

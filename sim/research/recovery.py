"""Why a run never recovered its leader: re-run it step by step and hold it to the guarantee.

A run "never recovered" (`max_recovery_steps` = inf) when its main leader dropped out and, by
the end, no single leader was followed by every agent it can reach. That happens for three
kinds of reason, which the summary alone cannot tell apart:

- (a) no leader was possible: after the loss too few agents were alive (raft needs a majority
  of all `n_agents`; the other protocols need anyone at all — the last agent alive, leading
  itself, dropped out), or the loss came so late that the run ended inside the liveness bound;
- (b) a group the README's liveness guarantee speaks of stayed unchanged for longer than
  `factor` times `liveness_bound` and still had no leader — a liveness defect;
- (c) a group that could elect existed, but faults (dropouts, partitions) kept changing it
  faster than the bound.

`classify` re-runs the model and cuts the time after the loss into *quiet windows*: maximal
stretches with the same live agents in the same connected parts (a dropout, a split or a merge
starts a new one: the guarantee's faults). The *eligible* parts of a window are those the
guarantee speaks of (raft: a part holding a majority of `n_agents`; otherwise every part). Each
gets `factor` × `liveness_bound` steps (sim/components/harness.py, with its largest hop
diameter in the window, the broadcast time announced at the window's start, raft's three rounds
and the backoff reached then) to have exactly one leader that all its members follow.
``python -m sim.research.recovery RESULTS_DIR [--factor 4] [--csv OUT.csv] [--election ...]``
prints the count of each class per election for a results folder.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.components.harness import hop_diameter, liveness_bound, part_settled
from sim.components.timing import MAX_BACKOFF
from sim.model import SwarmModel
from sim.research.rerun import differences, run_of
from sim.research.tables import write_table

RAFT_ROUNDS = 3  # split votes broken by chance: as tests/test_liveness.py allows raft
FACTOR = 4  # the tests' allowance under message loss (LOSSY_FACTOR in tests/test_liveness.py)
CLASSES = {
    "recovered": "the run recovered (this code differs from the recorded one)",
    "a_no_majority": "raft: fewer than a majority of n_agents alive after the loss",
    "a_majority_split": "raft: a majority alive after the loss, but in no single part",
    "a_nobody_left": "the leader was the last agent alive",
    "a_ended_in_bound": "the run ended within the bound after the last fault",
    "b_stuck": "an eligible part stayed unchanged beyond the bound without a leader",
    "c_faults_too_fast": "eligible parts existed, but faults changed them within the bound",
    "d_parts_led": "every eligible part had its leader; the metric needs one for the whole group",
}


def trace(params: dict[str, Any], seed: int) -> tuple[SwarmModel, list[dict[str, Any]]]:
    """Run the model to its end; per step its live parts, their state, B and the backoff."""
    model = SwarmModel(**params, rng=seed)
    lead, net = model.leadership, model.network
    steps = []
    while model.running and model.time < model.params.max_steps:
        model.step()
        labels = net.labels()
        parts = [np.flatnonzero(labels == k) for k in np.unique(labels[labels >= 0])]
        act = np.flatnonzero(lead.active)
        attempts = int(lead.timing.attempts[act].max(initial=0))
        steps.append(
            dict(
                t=int(model.time),
                key=tuple(tuple(p.tolist()) for p in parts),
                settled=[part_settled(lead, p) for p in parts],
                hops=[hop_diameter(net.pairs, p) for p in parts],
                reach=int(lead.knowledge.reach(act).max(initial=0)),
                backoff=2 ** min(attempts, MAX_BACKOFF),
            )
        )
    return model, steps


def windows(steps: list[dict[str, Any]], start: float) -> list[list[dict[str, Any]]]:
    """Maximal runs of steps (from step `start` on) with the same live agents in the same parts."""
    out: list[list[dict[str, Any]]] = []
    for s in steps:
        if s["t"] < start:
            continue
        if out and out[-1][0]["key"] == s["key"]:
            out[-1].append(s)
        else:
            out.append([s])
    return out


def scan(p, steps: list[dict[str, Any]], start: float, factor: float = FACTOR) -> dict[str, Any]:
    """Hold every quiet window from step `start` on to the guarantee (`p`: the run's params).

    Returns ``windows`` (how many), ``stuck`` (eligible parts unchanged beyond `factor` × the
    bound that never settled within it), ``waits`` (steps each eligible part went unsettled),
    ``ratios`` (each eligible window's length over its allowance), ``all_led`` (some step had
    every eligible part of its window settled) and ``final_short`` (the last window ended with
    an unsettled eligible part inside its allowance).
    """
    majority = p.n_agents // 2 + 1
    raft = p.election == "raft"
    rounds = RAFT_ROUNDS if raft else 1
    out: dict[str, Any] = dict(stuck=[], waits=[0], ratios=[], all_led=False, final_short=False)
    wins = windows(steps, start)
    out["windows"] = len(wins)
    for w, win in enumerate(wins):
        first = win[0]
        eligible = [i for i, r in enumerate(first["key"]) if not raft or len(r) >= majority]
        for i in eligible:
            hops = max(max(s["hops"][i] for s in win), 1)
            bound = factor * liveness_bound(p, hops, first["reach"], rounds, first["backoff"])
            length = win[-1]["t"] - first["t"] + 1
            done = [s["t"] for s in win if s["settled"][i]]
            wait = (done[0] if done else win[-1]["t"] + 1) - first["t"]
            out["ratios"].append(length / bound)
            out["waits"].append(wait)
            if length > bound and wait >= bound:
                rows = first["key"][i]
                out["stuck"].append(dict(t=first["t"], rows=rows, steps=length, bound=bound))
            if w == len(wins) - 1 and length <= bound and not win[-1]["settled"][i]:
                out["final_short"] = True
        led = any(all(s["settled"][i] for i in eligible) for s in win)
        out["all_led"] |= bool(eligible) and led
    return out


def stuck_stretches(params: dict[str, Any], seed: int, factor: float = FACTOR) -> list[dict]:
    """Every quiet window of a whole run in which an eligible part stayed unled (class b)."""
    model, steps = trace(params, seed)
    return scan(model.params, steps, 1, factor)["stuck"]


def classify(params: dict[str, Any], seed: int, factor: float = FACTOR) -> dict[str, Any]:
    """The class (`CLASSES`) of a run's unrecovered leader loss, and the figures it rests on.

    (`classify_traced` of the run's `trace`.)
    """
    return classify_traced(*trace(params, seed), factor)


def classify_traced(model: SwarmModel, steps: list[dict[str, Any]], factor: float = FACTOR):
    """The class of a traced run's unrecovered leader loss, and the figures it rests on.

    Besides ``cls``: ``lost_at`` (the step of that loss), ``alive_after_loss``, ``alive_end``,
    ``windows_after_loss``, ``longest_unled`` (most steps an unchanged eligible part went
    without settling), ``longest_over_bound`` (the longest eligible window over its allowance)
    and ``stuck`` (the windows of class b).
    """
    p = model.params
    lost = model.measurement.lost_at
    if lost is None:
        return dict(cls="recovered", lost_at=None)
    got = scan(p, steps, lost, factor)
    after = next(s for s in steps if s["t"] >= lost)  # the step the leader dropped out in
    info = dict(
        lost_at=int(lost),
        alive_after_loss=sum(len(r) for r in after["key"]),
        alive_end=sum(len(r) for r in steps[-1]["key"]),
        windows_after_loss=got["windows"],
        longest_unled=max(got["waits"]),
        longest_over_bound=round(max(got["ratios"]), 3) if got["ratios"] else 0.0,
        stuck=got["stuck"],
    )
    if got["stuck"]:
        cls = "b_stuck"
    elif not got["ratios"]:  # no step after the loss had a part the guarantee speaks of
        if p.election != "raft":
            cls = "a_nobody_left"
        else:
            few = info["alive_after_loss"] < p.n_agents // 2 + 1
            cls = "a_no_majority" if few else "a_majority_split"
    elif got["all_led"]:
        cls = "d_parts_led"
    elif got["final_short"]:
        cls = "a_ended_in_bound"
    else:
        cls = "c_faults_too_fast"
    return dict(cls=cls, **info)


def never_recovered(results: Path, elections: list[str]) -> list[dict[str, str]]:
    """Rows of ``results/summary.csv`` with `max_recovery_steps` = inf, for these elections."""
    with open(results / "summary.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r["election"] in elections and r["max_recovery_steps"] == "inf"]


def classify_rows(rows: list[dict[str, str]], factor: float = FACTOR) -> list[dict[str, Any]]:
    """Re-run and classify each recorded row; one dict per row (its id, axes and `classify`).

    ``identical`` says whether the re-run's summary equals the recorded one field for field.
    """
    out = []
    for r in rows:
        run = run_of(r)
        model, steps = trace(run.params, run.seed)
        summary = {k: getattr(v, "item", lambda v=v: v)() for k, v in model.summary().items()}
        same = not differences(r, {"summary": summary, "status": "ok"})
        axes = {k: r[k] for k in ("run_id", "election", "dropout_rate", "message_loss", "seed")}
        out.append({**axes, "identical": same, **classify_traced(model, steps, factor)})
    return out


def class_table(classified: list[dict[str, Any]], elections: list[str]) -> str:
    """Counts per election (rows) and class (columns), as plain text."""
    counts = Counter((c["election"], c["cls"]) for c in classified)
    classes = [c for c in CLASSES if any(k == c for _, k in counts)]
    width = max([len(c) for c in classes] + [5]) + 2
    lines = ["election".ljust(12) + "".join(c.rjust(width) for c in classes) + "total".rjust(7)]
    for e in elections:
        cells = [counts.get((e, c), 0) for c in classes]
        lines.append(
            e.ljust(12) + "".join(str(v).rjust(width) for v in cells) + str(sum(cells)).rjust(7)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Classify the never-recovered runs of a results folder and print the table (2: no folder)."""
    ap = argparse.ArgumentParser(prog="python -m sim.research.recovery", description=__doc__)
    ap.add_argument("results", type=Path)
    ap.add_argument("--factor", type=float, default=FACTOR, help="times liveness_bound")
    ap.add_argument("--csv", type=Path, help="write one row per classified run here")
    ap.add_argument("--election", nargs="+", default=["raft", "lowest_id", "succession"])
    args = ap.parse_args(argv)
    if not (args.results / "summary.csv").is_file():
        print(
            f"recovery: {args.results} has no summary.csv (not a results folder)", file=sys.stderr
        )
        return 2
    classified = classify_rows(never_recovered(args.results, args.election), args.factor)
    print(class_table(classified, args.election))
    changed = sum(not c["identical"] for c in classified)
    print(f"{len(classified)} runs re-run, {changed} with a summary other than the recorded one")
    for name, text in CLASSES.items():
        print(f"  {name}: {text}")
    if args.csv:  # (CSV or Parquet by the suffix, as every table the package writes)
        write_table(pd.DataFrame(classified), args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())

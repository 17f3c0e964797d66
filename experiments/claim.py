"""The claim at a glance: does the mission go on when agents drop out, with and without an election?

Reads the results of ``experiments/claim.toml`` (the default lesson, a 10-agent wedge on the
square route, with random dropouts at five rates, the leader lost at step 300 or not, election
``lowest_id`` or ``none``) and draws one figure with two panels:

- **left**: mission success against the number of agents actually lost on the way (the leader
  may be among them), runs without the planned leader loss, one line per election setting;
- **right**: mission success when the leader is lost at step 300 and nobody else drops out,
  against the same run without that loss, with and without an election.

Every point is a share of runs with its Wilson 95 % interval (`sim.research.stats`) and the number
of runs it stands on. The table printed (Markdown) is the one quoted in ``experiments/README.md``.

Usage::

    swarm-sim sweep experiments/claim.toml --workers 2          # → results/claim/
    .venv/bin/python experiments/claim.py results/claim         # → experiments/figures/claim.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.research.plots import load_results
from sim.research.stats import summarise

LOST_CAP = 6  # 6 or more agents lost share one point: few runs get there
FIGURE = Path(__file__).parent / "figures" / "claim.png"
ELECTIONS = {"lowest_id": "election (lowest_id)", "none": "no election (none)"}


def lost_table(df: pd.DataFrame) -> pd.DataFrame:
    """Success share per (election, agents lost) for runs without the planned leader loss."""
    runs = df[df["leader_dropout_at"] < 0].copy()
    runs["agents_lost"] = (runs["n_agents"] - runs["final_active"]).clip(upper=LOST_CAP)
    return summarise(runs, ["election", "agents_lost"], "mission_success", proportion=True)


def leader_table(df: pd.DataFrame) -> pd.DataFrame:
    """Success share per (election, leader lost) for runs without random dropouts."""
    runs = df[df["dropout_rate"] == 0].copy()
    runs["leader_lost"] = runs["leader_dropout_at"] >= 0
    return summarise(runs, ["election", "leader_lost"], "mission_success", proportion=True)


def _points(ax, stats: pd.DataFrame, x: str, offset: float, label: str, **style) -> None:
    xs = stats[x].astype(float) + offset
    err = [stats["mean"] - stats["lo"], stats["hi"] - stats["mean"]]
    ax.errorbar(xs, stats["mean"], yerr=err, capsize=3, label=label, **style)
    side = -1 if offset < 0 else 1
    for xv, yv, n in zip(xs, stats["mean"], stats["n"], strict=True):
        ax.annotate(
            f"{n}",
            (xv, yv),
            textcoords="offset points",
            xytext=(6 * side, 4),
            fontsize=7,
            ha="right" if side < 0 else "left",
        )


def figure(df: pd.DataFrame, path: Path) -> Path:
    """Draw the two panels to `path` (PNG)."""
    import matplotlib  # deferred: only drawing needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lost, leader = lost_table(df), leader_table(df)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=[2, 1], sharey=True)
    for i, (election, label) in enumerate(ELECTIONS.items()):
        part = lost[lost["election"] == election]
        _points(left, part, "agents_lost", (i - 0.5) * 0.2, label, marker="o", linestyle="-")
        part = leader[leader["election"] == election]
        _points(right, part, "leader_lost", (i - 0.5) * 0.2, label, marker="o", linestyle="none")
    left.axvspan(5.5, LOST_CAP + 0.5, color="0.9", zorder=0)
    left.text(5.55, 0.5, "fewer than half\nleft: success is\nimpossible by\ndefinition", fontsize=7)
    left.set_xlim(-0.5, LOST_CAP + 0.5)
    left.set_xticks(range(LOST_CAP + 1), [*map(str, range(LOST_CAP)), f"{LOST_CAP}+"])
    left.set_xlabel("agents lost on the way (random dropouts; the leader may be one of them)")
    left.set_ylabel("mission success (share, 95 % Wilson interval)")
    left.set_title("Agents drop out at random", fontsize=10)
    right.set_xticks([0, 1], ["leader kept", "leader lost\nat step 300"])
    right.set_xlim(-0.5, 1.5)
    right.set_title("Only the leader drops out", fontsize=10)
    for ax in (left, right):
        ax.set_ylim(-0.05, 1.08)
        ax.grid(alpha=0.3)
    left.legend(loc="center left", fontsize=8)
    runs = len(df)
    fig.suptitle(
        "Does another agent take the leader's place, and does the mission go on?\n"
        f"default lesson: 10-agent wedge, square route; {runs} runs; numbers: runs per point",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(df: pd.DataFrame) -> str:
    """The two tables as Markdown: success [95 % CI] (k/n) per cell."""

    def cell(s: pd.Series) -> str:
        k = round(s["mean"] * s["n"])
        return f"{s['mean']:.2f} [{s['lo']:.2f}, {s['hi']:.2f}] ({k}/{int(s['n'])})"

    lost = lost_table(df)
    heads = [*map(str, range(LOST_CAP)), f"{LOST_CAP}+"]
    lines = ["| agents lost | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    for election, label in ELECTIONS.items():
        part = lost[lost["election"] == election].set_index("agents_lost")
        cells = [cell(part.loc[k]) if k in part.index else "–" for k in range(LOST_CAP + 1)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    leader = leader_table(df)
    lines += ["", "| only the leader drops out | leader kept | leader lost at step 300 |"]
    lines.append("|---|---|---|")
    for election, label in ELECTIONS.items():
        part = leader[leader["election"] == election].set_index("leader_lost")
        lines.append(f"| {label} | {cell(part.loc[False])} | {cell(part.loc[True])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the tables and draw the figure; exit status 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", default="results/claim", help="results folder")
    parser.add_argument("--out", default=str(FIGURE), help=f"figure file (default {FIGURE})")
    args = parser.parse_args(argv)
    df, _, _ = load_results(args.results)
    print(markdown(df))
    print(f"figure: {figure(df, Path(args.out))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

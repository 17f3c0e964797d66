"""Couzin et al. (2005), fig. 2 shape: accuracy of a group's direction vs. its informed proportion.

Covers: leadership without a leader — a few agents that know a preferred direction ĝ steer a
group that cannot tell who they are (Couzin, Krause, Franks & Levin 2005, Nature 433:513).

For each group size N and informed proportion p, many groups start as a loose crowd with random
headings (`cohesive_group`: a square of side √N·α) and move by the 2005 rules with the module's
defaults (α = 1, ρ = 6, ω = 0.5, σ = 0.01 rad, s = 1 m/s, θ = 2 rad/s, Δt = 0.1 s). After
`--steps` updates, a group's direction is the direction its centroid moved over the last
`--window` steps, and its error is the angle between that and ĝ. Accuracy is the mean of
cos(error) over the seeds: 1 when every group travels along ĝ, ≈ 0 when directions bear no
relation to ĝ (the paper plots a normalised angular deviation instead; only the shape is
compared). All replicates of one (N, p) point run at once, as well-separated groups in one
array, which keeps the run to a few minutes on two cores. Seeds come from one
`numpy.random.SeedSequence`, one child per (N, p) point, so each point is reproducible alone.

Usage::

    .venv/bin/python experiments/couzin2005.py            # full run (≈ 5 min), writes the figure
    .venv/bin/python experiments/couzin2005.py --quick    # a smoke run (few seeds, N ≤ 50)
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from sim.behaviours.couzin import (
    DEFAULT_INTERACTION_RADIUS,
    DEFAULT_MAX_TURN,
    DEFAULT_NOISE,
    DEFAULT_OMEGA,
    DEFAULT_REPULSION_RADIUS,
    DEFAULT_SPEED,
    choose_informed,
    cohesive_group,
    couzin_velocity,
)

SIZES = (10, 50, 100, 200)  # N
FRACTIONS = (0.0, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5)  # p
ROOT_SEED = 2005  # entropy of the SeedSequence all runs derive from
GOAL = np.array([1.0, 0.0])  # ĝ
GAP = 2000.0  # m between replicate groups: far beyond what any agent travels in a run
WITHIN_20_DEG = math.radians(20)
FIGURE = Path(__file__).parent / "figures" / "couzin2005_accuracy.png"


def run_point(n: int, p: float, seeds: int, steps: int, window: int, seq) -> np.ndarray:
    """Direction errors (seeds,) in rad of `seeds` independent groups of `n` at proportion `p`.

    Args:
        n: Group size N.
        p: Informed proportion.
        seeds: Number of replicate groups.
        steps: Updates per run.
        window: The direction of travel is the centroid's displacement over this many steps.
        seq: `numpy.random.SeedSequence` of this point.

    Returns:
        Angle between each group's direction of travel and ĝ, rad.
    """
    rng = np.random.default_rng(seq)
    starts = [
        cohesive_group(
            n, (r * GAP, 0.0), rng, spacing=DEFAULT_REPULSION_RADIUS, speed=DEFAULT_SPEED
        )
        for r in range(seeds)
    ]
    pos = np.vstack([s[0] for s in starts])
    vel = np.vstack([s[1] for s in starts])
    informed = np.concatenate([choose_informed(n, p, rng) for _ in range(seeds)])
    group = np.repeat(np.arange(seeds), n)
    before = None
    for t in range(steps):
        if t == steps - window:
            before = _centroids(pos, group, seeds)
        vel = couzin_velocity(
            pos,
            vel,
            informed,
            GOAL,
            speed=DEFAULT_SPEED,
            repulsion_radius=DEFAULT_REPULSION_RADIUS,
            interaction_radius=DEFAULT_INTERACTION_RADIUS,
            omega=DEFAULT_OMEGA,
            noise=DEFAULT_NOISE,
            max_turn=DEFAULT_MAX_TURN,
            rng=rng,
        )
        pos = pos + vel
    moved = _centroids(pos, group, seeds) - before
    return np.abs(np.arctan2(moved[:, 1], moved[:, 0]))  # ĝ = +x


def _centroids(pos: np.ndarray, group: np.ndarray, k: int) -> np.ndarray:
    """Centroid (k, 2) of each replicate group."""
    count = np.bincount(group, minlength=k)
    return np.column_stack([np.bincount(group, pos[:, c], k) / count for c in (0, 1)])


def run_all(sizes, fractions, seeds: int, steps: int, window: int) -> dict:
    """Errors for every (N, p): {(N, p): array of errors}. Prints progress."""
    children = np.random.SeedSequence(ROOT_SEED).spawn(len(sizes) * len(fractions))
    out = {}
    for k, (n, p) in enumerate((n, p) for n in sizes for p in fractions):
        t0 = time.perf_counter()
        out[(n, p)] = run_point(n, p, seeds, steps, window, children[k])
        err = out[(n, p)]
        print(
            f"N={n:4d} p={p:<6g} accuracy={np.cos(err).mean():6.3f} "
            f"within20={np.mean(err < WITHIN_20_DEG):5.2f} ({time.perf_counter() - t0:5.1f} s)",
            flush=True,
        )
    return out


def table(results: dict, sizes, fractions) -> str:
    """Markdown table of accuracy (mean cos error) ± standard error, one row per N."""
    head = "| N | " + " | ".join(f"p={p:g}" for p in fractions) + " |"
    rule = "|---|" + "---|" * len(fractions)
    rows = [head, rule]
    for n in sizes:
        cells = []
        for p in fractions:
            c = np.cos(results[(n, p)])
            cells.append(f"{c.mean():.2f} ± {c.std(ddof=1) / math.sqrt(len(c)):.2f}")
        rows.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot(results: dict, sizes, fractions, path: Path, subtitle: str) -> None:
    """Accuracy and share within 20° of ĝ against p, one line per N.

    Hollow markers: round(p·N) = 0, so that group has no informed agent at all.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    x = np.asarray(fractions)
    for n in sizes:
        c = np.array([np.cos(results[(n, p)]) for p in fractions])
        mean = c.mean(axis=1)
        ci = 1.96 * c.std(axis=1, ddof=1) / math.sqrt(c.shape[1])
        share = np.array([np.mean(results[(n, p)] < WITHIN_20_DEG) for p in fractions])
        nobody = np.array([round(p * n) == 0 for p in fractions])
        for ax, y in ((axes[0], mean), (axes[1], share)):
            (line,) = ax.plot(x, y, "-", label=f"N = {n}")
            ax.plot(x[~nobody], y[~nobody], "o", color=line.get_color())
            ax.plot(x[nobody], y[nobody], "o", mfc="white", color=line.get_color())
        axes[0].errorbar(x, mean, yerr=ci, fmt="none", ecolor=line.get_color(), capsize=3)
    axes[0].set_ylabel("accuracy: mean cos(direction error)")
    axes[0].axhline(0.0, color="grey", lw=0.8)
    axes[0].set_ylim(-1.02, 1.05)
    axes[1].set_ylabel("share of groups within 20° of ĝ")
    axes[1].set_ylim(-0.03, 1.03)
    for ax in axes:
        ax.set_xscale("symlog", linthresh=0.05, linscale=0.6)
        ax.set_xticks(x, [f"{p:g}" for p in fractions])
        ax.set_xlabel("proportion of informed agents p (symlog scale)")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", title="95 % CI bars")
    axes[1].text(
        0.98, 0.04, "hollow: round(pN) = 0,\nno informed agent", transform=axes[1].transAxes,
        ha="right", va="bottom", fontsize=8,
    )  # fmt: skip
    fig.suptitle(f"An informed few lead the many (after Couzin et al. 2005, fig. 2)\n{subtitle}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> None:
    """Run the experiment and write the figure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="groups per (N, p) point")
    parser.add_argument("--steps", type=int, default=800, help="updates per run")
    parser.add_argument("--window", type=int, default=200, help="steps the direction is taken over")
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 seeds, N ≤ 50")
    parser.add_argument("--out", type=Path, default=FIGURE, help="figure path")
    args = parser.parse_args(argv)
    sizes, seeds = (SIZES[:2], 4) if args.quick else (SIZES, args.seeds)
    t0 = time.perf_counter()
    results = run_all(sizes, FRACTIONS, seeds, args.steps, args.window)
    print(table(results, sizes, FRACTIONS))
    print(f"total {time.perf_counter() - t0:.0f} s")
    subtitle = f"{seeds} groups per point, {args.steps} steps; ω = {DEFAULT_OMEGA}, ρ = 6, α = 1"
    plot(results, sizes, FRACTIONS, args.out, subtitle)


if __name__ == "__main__":
    main()

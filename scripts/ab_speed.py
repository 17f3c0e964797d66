"""Time a case on two source trees in alternating short blocks; print the ratio.

usage: python scripts/ab_speed.py SRC_A SRC_B [ROUNDS] [CASE]   (e.g. SRC_B = a `git worktree`
of an older commit). CASE is ``lesson`` (the default lesson; the default) or ``MODE:N``, e.g.
``flock:1000``: `swarm-sim bench`'s model of that coordination mode and size. Both trees run in
persistent processes pinned to the same core; each round times a block of steps in each (100
for the lesson, fewer for large N; order alternating, a fresh model every 10 rounds: for the
lesson, steps 20..1020, the leader's handover included). On a shared VM single figures swing 2x
within seconds; the median of the per-round ratios does not.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

WORKER = """
import sys, time
from sim.model import SwarmModel
from sim.presets import DEFAULT_PRESET
case = sys.argv[1]
model = None
for line in sys.stdin:
    cmd, n = line.split()
    if cmd == "new" and case == "lesson":
        model = SwarmModel(preset=DEFAULT_PRESET, max_steps=10**7)
    elif cmd == "new":  # as swarm-sim bench builds it
        mode, size = case.split(":")
        model = SwarmModel(
            n_agents=int(size), coordination=mode, rng=0, max_steps=10**7, formation="grid"
        )
    if cmd == "new":
        for _ in range(int(n)):
            model.step()
        print("ok", flush=True)
    else:
        c0 = time.process_time()
        for _ in range(int(n)):
            model.step()
        print(time.process_time() - c0, flush=True)
"""


def main(src_a: str, src_b: str, rounds: int = 60, case: str = "lesson") -> None:
    """Print each tree's median and best steps/s and the median per-round time ratio A/B."""
    procs = []
    for src in (src_a, src_b):
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
        cmd = ["taskset", "-c", "1", sys.executable, "-c", WORKER, case]
        procs.append(
            subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd="/"
            )  # fmt: skip
        )

    def ask(p, line: str) -> str:
        p.stdin.write(line + "\n")
        p.stdin.flush()
        return p.stdout.readline().strip()

    block = 100 if case == "lesson" else max(3, 20_000 // int(case.split(":")[1]))
    times: list[list[float]] = [[], []]
    for r in range(rounds):
        if r % 10 == 0:
            for p in procs:
                ask(p, "new 20")
        for i in (0, 1) if r % 2 == 0 else (1, 0):
            times[i].append(float(ask(procs[i], f"run {block}")))
    for src, t in zip((src_a, src_b), times, strict=True):
        rate, best = block / statistics.median(t), block / min(t)
        print(f"{src} ({case}): median {rate:.0f} steps/s, best {best:.0f}")
    ratios = [a / b for a, b in zip(*times, strict=True)]
    q = statistics.quantiles(ratios, n=4)
    print(
        f"time A/B per round: median {q[1]:.3f} (quartiles {q[0]:.3f}-{q[2]:.3f}, {rounds} rounds)"
    )
    for p in procs:
        p.stdin.close()


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]) if len(sys.argv) > 3 else 60,
        sys.argv[4] if len(sys.argv) > 4 else "lesson",
    )

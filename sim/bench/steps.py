"""``swarm-sim bench``: per-step timings, with Mesa's own boid_flockers measured in the same run.

Timings on shared machines are noisy, so every figure is the median over repeated timed blocks,
and the claims are ratios against a reference measured in the same process moments apart.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from mesa.examples.basic.boid_flockers.model import BoidFlockers, BoidsScenario

from sim.model import SwarmModel
from sim.presets import DEFAULT_PRESET

SIZES = (10, 100, 1_000, 10_000)
BOID_SIZES = (100, 1_000)


def time_steps(step: Callable[[], None], n: int, repeats: int) -> float:
    """Median milliseconds per call of `step` over `repeats` blocks, after a warm-up."""
    block = max(3, min(200, int(20_000 / max(n, 1))))
    for _ in range(min(block, 20)):
        step()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(block):
            step()
        samples.append((time.perf_counter() - t0) / block * 1e3)
    return statistics.median(samples)


def swarm_case(coordination: str, n: int, repeats: int, **extra) -> float:
    """Median ms/step of SwarmModel (data collection included) at size n."""
    model = SwarmModel(
        n_agents=n, coordination=coordination, rng=0, max_steps=10**7, formation="grid", **extra
    )
    return time_steps(model.step, n, repeats)


def boids_case(n: int, repeats: int) -> float:
    """Median ms/step of Mesa's boid_flockers example (100×100 torus, vision 10)."""
    model = BoidFlockers(scenario=BoidsScenario(population_size=n, rng=0))
    return time_steps(model.step, n, repeats)


def interleaved_ratio(n: int, repeats: int) -> tuple[float, float, float]:
    """Flock vs Mesa's boid_flockers at size n, timed in alternating blocks.

    Returns (median ms/step of flock, of boids, median of the per-block-pair ratios). Timing
    the two in turns, moments apart, keeps a burst of load on a shared machine from landing
    on one side of the ratio only.
    """
    ours = SwarmModel(
        n_agents=n, coordination="flock", rng=0, max_steps=10**7, formation="grid"
    ).step
    boids = BoidFlockers(scenario=BoidsScenario(population_size=n, rng=0)).step
    block_ours, block_boids = max(3, 20_000 // n), max(1, 3_000 // n)
    for _ in range(block_ours):
        ours()
    boids()
    mine, theirs = [], []
    for _ in range(max(repeats, 5)):
        mine.append(_block_ms(ours, block_ours))
        theirs.append(_block_ms(boids, block_boids))
    ratios = [b / a for a, b in zip(mine, theirs, strict=True)]
    return statistics.median(mine), statistics.median(theirs), statistics.median(ratios)


def _block_ms(step: Callable[[], None], block: int) -> float:
    t0 = time.perf_counter()
    for _ in range(block):
        step()
    return (time.perf_counter() - t0) / block * 1e3


def preset_rate(name: str, steps: int, repeats: int) -> tuple[float, float]:
    """Median steps/s of a preset run from its start, data collection included.

    Returns (wall-clock rate, CPU-time rate); the second leaves out time the process spent
    waiting for a core, which on a busy shared machine is most of the noise.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        model = SwarmModel(preset=name, max_steps=10**7)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.step()
        wall.append(steps / (time.perf_counter() - t0))
        cpu.append(steps / max(time.process_time() - c0, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


_PAPER_SCALE = """
import json, resource, statistics, sys, time
from sim.model import SwarmModel
model = SwarmModel(n_agents=10_000, coordination=sys.argv[1], rng=0, max_steps=10**7)
for _ in range(3):
    model.step()  # compiles the kernels (cached on disk after the first process)
rates = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    for _ in range(10):
        model.step()
    rates.append(10 / (time.perf_counter() - t0))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps([statistics.median(rates), peak]))
"""


def paper_scale(coordination: str, repeats: int) -> tuple[float, float]:
    """(median steps/s, peak MB) of a collective mode at N = 10,000, in a fresh process.

    A fresh process, so that the peak memory is this run's alone (Linux: ru_maxrss in KiB).
    """
    out = subprocess.run(
        [sys.executable, "-c", _PAPER_SCALE, coordination, str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    rate, peak = json.loads(out.stdout)
    return rate, peak


def main(args: argparse.Namespace) -> int:
    """Print the benchmark table and the ratios the project's targets are stated in."""
    repeats = max(1, args.repeats if not args.quick else 3)
    sizes = SIZES if not args.quick else (10, 100, 1_000)
    print(f"swarm-sim bench: median of {repeats} timed blocks per case (ms/step)")
    rows: dict[tuple[str, int], float] = {}
    for coordination in ("formation", "flock"):
        for n in sizes:
            rows[(coordination, n)] = swarm_case(coordination, n, repeats)
            print(f"  {coordination:<10} N={n:>6}: {rows[(coordination, n)]:9.3f} ms/step")
    for n in BOID_SIZES:
        rows[("boid_flockers", n)] = boids_case(n, repeats)
        print(f"  {'mesa boids':<10} N={n:>6}: {rows[('boid_flockers', n)]:9.3f} ms/step")
    print("ratios")
    for n in BOID_SIZES:
        ratio = rows[("boid_flockers", n)] / rows[("flock", n)]
        print(f"  flock vs Mesa boid_flockers at N={n}: {ratio:6.1f}x faster (from the table)")
    ours, boids, ratio = interleaved_ratio(1_000, repeats)
    print(
        f"  flock vs Mesa boid_flockers at N=1000, timed in alternating blocks: {ours:.2f} vs "
        f"{boids:.1f} ms/step, median ratio {ratio:5.1f}x (target >= 20)"
    )
    if 10_000 in sizes:
        for coordination in ("formation", "flock"):
            growth = rows[(coordination, 10_000)] / rows[(coordination, 1_000)]
            nlogn = 10 * math.log(10_000) / math.log(1_000)
            print(
                f"  {coordination}: time(10,000)/time(1,000) = {growth:5.1f} "
                f"(N log N predicts {nlogn:.1f})"
            )
    msg = rows[("formation", 1_000)]
    oracle = swarm_case("formation", 1_000, repeats, information="oracle")
    print(
        f"  messages vs oracle (formation, N=1000): {msg:.3f} / {oracle:.3f} ms/step = "
        f"{msg / oracle:4.2f}x (target <= 3)"
    )
    couzin = swarm_case("couzin", 200, repeats)
    print(f"  couzin at N=200: {1e3 / couzin:6.0f} steps/s (target >= 500)")
    if 10_000 in sizes:
        boids = rows[("boid_flockers", 1_000)]
        for coordination in ("vicsek", "couzin"):
            rate, peak = paper_scale(coordination, repeats)
            print(
                f"  {coordination} at N=10,000 (fresh process): {rate:5.1f} steps/s "
                f"(target >= 20), peak memory {peak:4.0f} MB (target < 500); "
                f"Mesa boid_flockers: {1e3 / boids:5.1f} steps/s at N=1000"
            )
    wall, cpu = preset_rate(DEFAULT_PRESET, 1000, repeats)
    print(
        f"  default preset '{DEFAULT_PRESET}' (10 agents, messages, data collection): "
        f"{wall:6.0f} steps/s wall clock, {cpu:6.0f} steps/s of CPU time (target >= 3000)"
    )
    return 0

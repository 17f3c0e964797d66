"""``swarm-sim bench --sweep``: how fast sweeps run on two workers, and how little memory they use.

Times 200 runs of the default lesson with one worker and with two (target: two workers at least
1.6× faster, and 200 runs within 60 s), then runs a summary-only sweep of 10,000 tiny runs in a
fresh interpreter and samples the resident memory of the sweep process and all its workers
(target: under 1 GB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sim.presets import DEFAULT_PRESET, PRESETS
from sim.research.executors import default_workers
from sim.research.experiment import parse_experiment
from sim.research.sweep import run_sweep

BENCH_RUNS, BENCH_STEPS = 200, 1000  # target: ≤ 60 s with 2 workers, ≥ 1.6x faster than 1
MEMORY_RUNS = 10_000  # target: a summary-only sweep of this many runs stays under 1 GB


def main(args) -> int:
    """Time 200 preset runs with 1 and 2 workers and measure peak memory; 0 if on target."""
    quick = bool(getattr(args, "quick", False))
    n_runs, mem_runs = (40, 2000) if quick else (BENCH_RUNS, MEMORY_RUNS)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{default_workers()} cores; load average {load} (other work slows the timings)")
    cpu_start = time.process_time()  # the one-worker sweep runs in this process
    seconds = {1: _time_sweep(n_runs, 1)}
    cpu = time.process_time() - cpu_start
    seconds[2] = _time_sweep(n_runs, 2)
    ratio = seconds[1] / seconds[2]
    print(f"sweep speed: {n_runs} runs × {BENCH_STEPS} steps of the default preset")
    for w, s in seconds.items():
        print(f"  {w} worker{'s' if w > 1 else ''}: {s:6.1f} s  ({n_runs / s:5.1f} runs/s)")
    print(f"  speed-up 2 vs 1: {ratio:.2f}x  (target ≥ 1.6x; 2 workers target ≤ 60 s for 200)")
    print(
        f"  CPU time of the 1-worker sweep: {cpu:.1f} s ({cpu / n_runs:.2f} s per run); "
        f"on 2 idle cores 2 workers need about {cpu / 2:.0f} s"
    )
    mem = _memory_probe(mem_runs)
    print(f"sweep memory: {mem_runs} summary-only runs (n_agents=3, 5 steps), 2 workers")
    print(f"  peak RSS, sweep process alone: {mem['parent_mb']:.0f} MB")
    print(f"  peak RSS, sweep + its workers: {mem['tree_mb']:.0f} MB  (target < 1024 MB)")
    print(f"  took {mem['seconds']:.1f} s")
    ok = ratio >= 1.6 and mem["tree_mb"] < 1024 and (quick or seconds[2] <= 60)
    return 0 if ok else 1


def _time_sweep(n_runs: int, workers: int) -> float:
    data = {
        "name": "bench",
        "steps": BENCH_STEPS,
        "seeds": n_runs,
        "params": dict(PRESETS[DEFAULT_PRESET].overrides),
    }
    exp = parse_experiment(data)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_sweep(exp, tmp, workers=workers, progress=False)
        return time.perf_counter() - start


def _memory_probe(n_runs: int) -> dict[str, float]:
    """Run the memory sweep in a fresh interpreter (so nothing else inflates its peak)."""
    code = "import sys; from sim.bench.sweep import memory_probe_main as m; m(int(sys.argv[1]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(n_runs)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory_probe_main(n_runs: int) -> None:
    """Run a tiny summary-only sweep of `n_runs` with 2 workers; print peak memory as JSON."""
    import resource  # deferred: Unix only, and only this probe needs it

    exp = parse_experiment(
        {"name": "memory", "steps": 5, "seeds": n_runs, "params": {"n_agents": 3}}
    )
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        report = run_sweep(exp, tmp, workers=2, progress=False)
    stop.set()
    sampler.join()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"parent_mb": parent, "tree_mb": max(peak[0], parent), "seconds": report["seconds"]}
        )
    )


def _tree_rss_mb(root: int) -> float:
    """Resident memory (MB) of a process and all its descendants (Linux /proc; else 0)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1]) / 1024
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total

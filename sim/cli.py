"""The ``swarm-sim`` command: ui | run | sweep | rerun | plot | analyze | compare | bench.

Every user error (unknown parameter, value out of range, missing file) ends with one clear line on
stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from sim import __version__
from sim.bench import paths as bench_paths
from sim.bench import steps as bench_steps
from sim.bench import sweep as bench_sweep
from sim.model import SwarmModel
from sim.params import field_names, unknown_message
from sim.presets import DEFAULT_PRESET, PRESETS, resolve
from sim.research.analyze import analyze_command
from sim.research.compare import compare_command
from sim.research.experiment import draw_seed, settings_run_id
from sim.research.plots import plot_command
from sim.research.provenance import short_hash
from sim.research.rerun import rerun
from sim.research.sweep import sweep_command
from sim.research.tables import SUFFIXES, plain, step_table, write_table
from sim.ui.serve import serve


class UserError(Exception):
    """A mistake in the command line or an input file: reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``swarm-sim run: error: ...``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print the error on one line, without the usage block, and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """Turn ``key=value`` strings into a dict; values are validated later by SwarmParams."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"--set expects key=value; got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if key not in field_names():
            raise UserError(unknown_message(key))
        out[key] = value
    return out


def cmd_run(args: argparse.Namespace) -> int:
    """Run one simulation and print its summary as JSON."""
    if args.out is not None:
        check_out(args.out)
    params = parse_assignments(args.set or [])
    if args.steps is not None:
        if args.steps < 1:
            raise UserError(f"--steps must be a positive integer; got {args.steps}")
        params["max_steps"] = args.steps
    seed = args.seed
    if seed is None:  # the preset's seed, else a fresh one: printed, so the run can be repeated
        seed = resolve(args.preset, {})[1]
        seed = draw_seed() if seed is None else seed
    model = SwarmModel(preset=args.preset, rng=seed, **params)
    summary = model.run()
    settings = model.params.as_dict()
    run_id = settings_run_id(settings, seed)
    out = {
        "preset": args.preset,
        "seed": seed,
        "run_id": run_id,
        "version": __version__,
        **plain(summary),
        "params": plain(settings),
    }
    if args.out is not None:  # CSV: the context on every row; Parquet: in the file's metadata
        write_table(step_table(model, run_id=run_id, source=short_hash()), args.out)
        out["out"] = args.out
    print(json.dumps(out, indent=2))
    return 0


def cmd_rerun(args: argparse.Namespace) -> int:
    """Re-run one row of a sweep; print its summary; 0 if identical to the row, else 1."""
    report, diff = rerun(Path(args.dir), args.run_id)
    print(json.dumps(plain(report), indent=2))
    if diff:
        listed = ", ".join(f"{k} (recorded {a!r}, re-run {b!r})" for k, (a, b) in diff.items())
        print(f"run {args.run_id}: differs from the recorded row: {listed}", file=sys.stderr)
        if report["advice"]:
            print(f"run {args.run_id}: {report['advice']}", file=sys.stderr)
        return 1
    print(f"run {args.run_id}: identical to the recorded row", file=sys.stderr)
    return 0


def check_out(path: str) -> None:
    """Refuse an --out file the run could not write, before the run starts.

    Raises:
        UserError: for an empty name, a suffix other than .csv / .parquet, a missing or
            unwritable directory, a directory in place of the file, or Parquet without an engine.
    """
    if not path:
        raise UserError("--out must be a file name ending in .csv or .parquet; got ''")
    if not path.endswith(SUFFIXES):
        raise UserError(f"--out must end in .csv or .parquet; got {path!r}")
    file = Path(path)
    folder = file.parent
    if not folder.exists():
        raise UserError(f"--out: directory {folder} does not exist")
    if not folder.is_dir():
        raise UserError(f"--out: {folder} is not a directory")
    if file.is_dir():
        raise UserError(f"--out: {path} is a directory")
    if not os.access(folder, os.W_OK | os.X_OK) or (file.exists() and not os.access(file, os.W_OK)):
        raise UserError(f"--out: cannot write {path} (no permission)")
    if path.endswith(".parquet") and importlib.util.find_spec("pyarrow") is None:
        raise UserError("--out: writing Parquet needs pyarrow; use a .csv file")


def cmd_bench(args: argparse.Namespace) -> int:
    """Per-step timings vs Mesa's boid_flockers, or (--sweep) the sweep targets."""
    if args.sweep:
        return bench_sweep.main(args)
    return bench_paths.main(args) if args.paths else bench_steps.main(args)


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the browser UI."""
    return serve(host=args.host, port=args.port, open_browser=not args.no_browser)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``swarm-sim``."""
    parser = Parser(prog="swarm-sim", description="Leader–follower swarm coordination simulator.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one simulation and print its summary as JSON")
    run.add_argument(
        "--preset",
        choices=list(PRESETS),
        default=None,
        help=f"start from a preset (e.g. {DEFAULT_PRESET})",
    )
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="set a parameter")
    run.add_argument("--steps", type=int, help="maximum number of steps (sets max_steps)")
    run.add_argument(
        "--seed",
        type=int,
        help="random seed (default: the preset's, else drawn from OS entropy; always printed)",
    )
    run.add_argument(
        "--out",
        help="write the time series to FILE.csv (parameters, seed, version on every row) or "
        "FILE.parquet (Step and reporters; the run's context in the file's metadata)",
    )
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="per-step timings vs Mesa's boid_flockers")
    bench.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    bench.add_argument("--repeats", type=int, default=5, help="timed repeats per case")
    bench.add_argument(
        "--paths",
        action="store_true",
        help="both sides of every size-switched code path, around its threshold (sim/sizes.py)",
    )
    bench.add_argument(
        "--sweep",
        action="store_true",
        help="sweep targets: 200 preset runs with 1 vs 2 workers; memory of 10,000 runs",
    )
    bench.set_defaults(func=cmd_bench)

    sweep = sub.add_parser("sweep", help="run an experiment file (grid × seeds)")
    sweep.add_argument("file", help="experiment TOML file")
    sweep.add_argument("--workers", type=int, default=None, help="parallel processes")
    sweep.add_argument("--out", default=None, help="results folder (default results/NAME)")
    sweep.add_argument("--resume", action="store_true", help="skip runs already finished")
    sweep.add_argument("--executor", choices=["local", "dask"], default="local")
    sweep.add_argument("--scheduler", default=None, help="Dask scheduler address")
    sweep.add_argument(
        "--allow-mixed",
        action="store_true",
        help="accept rows computed on other sim sources (resume, Dask workers)",
    )
    sweep.add_argument(
        "--dry-run",
        action="store_true",
        help="print the design, the number of runs and an estimated time; run nothing",
    )
    sweep.set_defaults(func=sweep_command)

    analyze = sub.add_parser("analyze", help="Sobol' / Morris sensitivity indices of a sweep")
    analyze.add_argument("dir", help="results folder of a sweep with a sobol or morris [design]")
    analyze.add_argument(
        "--metric", action="append", metavar="M", help="analyse only this metric (repeatable)"
    )
    analyze.set_defaults(func=analyze_command)

    comp = sub.add_parser("compare", help="paired differences of one parameter's levels")
    comp.add_argument("dir", help="results folder written by `swarm-sim sweep`")
    comp.add_argument("--by", required=True, metavar="PARAM", help="the swept parameter compared")
    comp.add_argument(
        "--metric",
        action="append",
        metavar="M",
        help="compare this metric (repeatable; default: mission success, recovery time, "
        "leaderless steps)",
    )
    comp.add_argument(
        "--baseline", metavar="LEVEL", help="level the others are compared with (default: first)"
    )
    comp.add_argument("--out", metavar="FILE", help="also write the table to FILE.csv / .parquet")
    comp.set_defaults(func=compare_command)

    plot = sub.add_parser("plot", help="figures and a Markdown table from sweep results")
    plot.add_argument("dir", help="results folder written by `swarm-sim sweep`")
    plot.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="summary metric to draw (repeatable or a comma list; default: [plot] or a few)",
    )
    plot.add_argument("--x", metavar="PARAM", help="swept parameter on the horizontal axis")
    plot.add_argument("--hue", metavar="PARAM", help="swept parameter drawn as lines (or none)")
    plot.add_argument("--facet", metavar="PARAM", help="swept parameter drawn as panels (or none)")
    plot.add_argument(
        "--timeseries",
        action="append",
        metavar="NAME",
        help="stored reporter drawn over the steps, mean ± 95 %% CI (repeatable or a comma list)",
    )
    plot.add_argument(
        "--all",
        action="store_true",
        help="every metric against every swept parameter, heatmaps and every stored series",
    )
    plot.set_defaults(func=plot_command)

    again = sub.add_parser("rerun", help="re-run one row of sweep results and compare")
    again.add_argument("dir", help="results folder written by `swarm-sim sweep`")
    again.add_argument("run_id", help="the run's id (the run_id column of summary.csv)")
    again.set_defaults(func=cmd_rerun)

    ui = sub.add_parser("ui", help="serve the browser UI")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=8765)
    ui.add_argument("--no-browser", action="store_true", help="do not open a browser")
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``swarm-sim`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0), or a usage error already printed as one line (2)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except (UserError, ValueError, FileNotFoundError) as exc:
        print(f"swarm-sim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"swarm-sim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`swarm-sim run | head`): no traceback
        # Python flushes stdout again at exit; point it at devnull so that flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

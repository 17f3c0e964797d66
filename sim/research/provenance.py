"""Provenance: what produced a sweep's results, recorded in ``provenance.json`` beside them.

The experiment as run (its parsed form and its file's text, also copied to
``experiment.toml``), the package version, Python, the platform and the SIMD code numpy runs
(`sim.simd`), the versions of the packages
results depend on, the git commit of the source tree and whether it had uncommitted changes,
the columns of the summary table, and one entry per session (start, workers, executor, resume,
command line, a hash of the `sim` sources, its end and whether it finished): a resumed sweep
may have run on other code. The experiment file is recorded by its absolute path.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim import simd
from sim.params import field_names
from sim.research.experiment import Experiment, settings_run_id
from sim.research.results import summary_fields
from sim.research.tables import write_table

PROVENANCE_FILE = "provenance.json"
EXPERIMENT_FILE = "experiment.toml"
DESIGN_FILE = "design.csv"  # a sampled design's points, one row per (point, seed) with its run id
PACKAGES = (
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "tqdm",
    "pyarrow",
    "dask",
    "distributed",
    "salib",
)
SIM_ROOT = Path(sim.__file__).resolve().parent  # the package's sources
SHORT = 12  # hex digits of the source hash kept in each row


def provenance(exp: Experiment, source: str) -> dict[str, Any]:
    """What produced these results: the experiment, package versions, git commit."""
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "experiment": experiment_dict(exp),
        "experiment_file": str(Path(source).resolve()) if source else "",
        "experiment_text": exp.text,
        "sim_version": sim.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy_simd": list(simd.targets()),  # runs agree bit for bit only under the same code
        "packages": packages,
        "git": git_state(),
        "columns": {"params": list(field_names()), "summary": summary_fields()},
        "sessions": [],
    }


def experiment_dict(exp: Experiment) -> dict[str, Any]:
    """The parsed experiment as plain data (what a resumed sweep must match)."""
    out = {
        "name": exp.name,
        "description": exp.description,
        "steps": exp.steps,
        "seeds": list(exp.seeds),
        "params": exp.params,
        "sweep": exp.sweep,
        "timeseries": exp.timeseries,
    }
    if exp.design is not None:  # absent for a grid, as in results written before designs
        out["design"] = exp.design.as_dict()
    if exp.adaptive is not None:  # absent for a fixed number of seeds
        out["adaptive_seeds"] = exp.adaptive.as_dict()
    return out


def design_frame(exp: Experiment) -> pd.DataFrame:
    """A sampled design's runs: design point, seed, run id, the unit-cube coordinates, values.

    ``u_NAME`` is the point's coordinate in the unit cube (what SALib's analysers read), NAME the
    value it maps to; two points mapping to the same values share a run id.
    """
    design = exp.design
    unit = design.unit_sample()
    points = exp.grid
    rows = []
    for seed in exp.seeds:
        for k, (point, u) in enumerate(zip(points, unit, strict=True)):
            row = {"design_point": k, "seed": seed}
            row["run_id"] = settings_run_id(exp.settings(point), seed)
            row.update({f"u_{name}": float(x) for name, x in zip(design.names, u, strict=True)})
            rows.append(row | point)
    return pd.DataFrame(rows)


def git_state() -> dict[str, Any] | None:
    """The source tree's commit and whether it has uncommitted changes (None outside git)."""
    root = str(SIM_ROOT.parent)
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "-uno"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


@functools.cache
def source_hash() -> str:
    """SHA-256 of the package's Python sources: tells apart sessions run on different code.

    Computed once per process (a worker hashes its own sources, once).
    """
    digest = hashlib.sha256()
    for path in sorted(SIM_ROOT.rglob("*.py")):
        digest.update(path.relative_to(SIM_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def short_hash() -> str:
    """The first 12 hex digits of `source_hash`: the ``source`` column of every row."""
    return source_hash()[:SHORT]


def check_sources(found: set[str], current: str, allow_mixed: bool, where: str) -> str | None:
    """Refuse rows computed on other `sim` sources than `current`, unless `allow_mixed`.

    Returns:
        None when every hash in `found` is `current`; else, with `allow_mixed`, a one-line
        notice for stderr.

    Raises:
        ValueError: naming both hashes and --allow-mixed.
    """
    other = sorted(found - {current})
    if not other:
        return None
    said = f"{where} computed on sim sources {', '.join(other)}, but these sources are {current}"
    if not allow_mixed:
        raise ValueError(f"{said}; pass --allow-mixed to mix them, or use a new --out")
    return f"--allow-mixed: {said}; mixing them"


def recorded_simd(out: Path) -> list[str]:
    """The SIMD code numpy ran for the results in `out` ([]: none yet, or not recorded)."""
    try:
        found = json.loads((out / PROVENANCE_FILE).read_text(encoding="utf-8"))["numpy_simd"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return list(found) if isinstance(found, list) else []


def simd_notice(out: Path) -> str | None:
    """A notice when the results in `out` began where numpy ran other SIMD code (else None).

    Their rows and this session's agree statistically, but each re-runs bit for bit only
    under its own code (`sim.simd`).
    """
    recorded = recorded_simd(out)
    if not recorded or recorded == list(simd.targets()):
        return None
    return (
        f"{out} was begun where numpy ran SIMD code {', '.join(recorded)}; this session runs "
        f"{', '.join(simd.targets())}: rows agree statistically, each re-runs exactly only "
        "under its own (swarm-sim rerun names the NPY_DISABLE_CPU_FEATURES prefix)"
    )


def add_session(out: Path, exp: Experiment, source: str, session: dict[str, Any]) -> None:
    """Append a session to ``out/provenance.json``, creating it (and experiment.toml) first.

    Raises:
        ValueError: when `out` holds the results of a different experiment.
    """
    path = out / PROVENANCE_FILE
    if path.exists():
        prov = json.loads(path.read_text(encoding="utf-8"))
        if prov.get("experiment") != json.loads(json.dumps(experiment_dict(exp))):
            raise ValueError(
                f"{out} holds results of a different experiment; use a new --out to run this one"
            )
    else:
        prov = provenance(exp, source)
        (out / EXPERIMENT_FILE).write_text(exp.text, encoding="utf-8")
        if exp.design is not None:
            write_table(design_frame(exp), out / DESIGN_FILE)
    prov["sessions"].append(session)
    _write(path, prov)


def end_session(out: Path, **fields: Any) -> None:
    """Add `fields` (e.g. ``ended``) to the last session of ``out/provenance.json``."""
    path = out / PROVENANCE_FILE
    prov = json.loads(path.read_text(encoding="utf-8"))
    prov["sessions"][-1].update(fields)
    _write(path, prov)


def _write(path: Path, prov: dict[str, Any]) -> None:
    """Replace the provenance file atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(prov, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)

"""Golden runs: restructuring the code must not change what the model does.

Every preset and a few parameter sets are run for 600 steps; the hashes of the positions (every
step, rounded to 1 µm), the event log and the data collector's frame (rounded to 9 digits) are
compared with `tests/golden.json`. A change that is meant to alter runs (a documented fix)
regenerates the file::

    python tests/test_golden.py --update

Bit-identical runs need the same numerical libraries: the file records the numpy and scipy
versions it was made with, and the test is skipped under others (e.g. `make test-latest`). It
also records the SIMD code numpy ran (`sim.simd`): a machine with wider SIMD (AVX-512 where the
file was made with AVX2) computes the hashes in a subprocess told to run the recorded code;
one without the recorded code skips the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy

from sim import PRESETS, SwarmModel, simd

GOLDEN = Path(__file__).with_name("golden.json")
STEPS = 600
PARAMETER_SETS = {
    "flock-lossy-raft": dict(
        n_agents=25,
        coordination="flock",
        election="raft",
        message_loss=0.3,
        comm_delay=2,
        leader_dropout_at=200,
        rng=11,
    ),
    "line-dropouts-succession": dict(
        n_agents=12,
        formation="line",
        election="succession",
        dropout_rate=0.002,
        position_noise=0.3,
        rng=5,
    ),
    "circle-distance-loss-fixed": dict(
        n_agents=16,
        formation="circle",
        distance_loss=0.5,
        timeout_scaling="fixed",
        slot_assignment="shift",
        scheduled_dropouts=((150, 1), (160, 2)),
        rng=3,
    ),
    "grid-60-lowest-id": dict(
        n_agents=60,
        formation="grid",
        leader_dropout_at=100,
        comm_range=9.0,
        rng=2,
    ),
    "column-oracle-fixed-slots": dict(
        n_agents=9,
        formation="column",
        information="oracle",
        slot_assignment="fixed",
        leader_dropout_at=120,
        positioning_lost_at=300,
        rng=8,
    ),
    "vicsek-torus": dict(n_agents=200, coordination="vicsek", noise=1.0, rng=4),
    "couzin-informed": dict(n_agents=60, coordination="couzin", informed_fraction=0.2, rng=6),
}


def cases() -> dict[str, dict]:
    """Every preset and every parameter set, as SwarmModel keywords."""
    return {**{f"preset-{name}": dict(preset=name) for name in PRESETS}, **PARAMETER_SETS}


def fingerprint(kwargs: dict) -> dict[str, str]:
    """Hashes of one run's positions, events and data-collector frame over STEPS steps."""
    model = SwarmModel(**kwargs)
    pos = hashlib.sha256()
    for _ in range(STEPS):
        model.step()
        pos.update(np.round(model.pos, 6).tobytes())
    frame = model.datacollector.get_model_vars_dataframe().to_numpy(dtype=float)
    rounded = np.array([float(f"{x:.9g}") for x in frame.ravel()])
    return {
        "positions": pos.hexdigest()[:16],
        "events": hashlib.sha256(repr(model.events).encode()).hexdigest()[:16],
        "frame": hashlib.sha256(rounded.tobytes()).hexdigest()[:16],
    }


def versions() -> dict[str, str]:
    """The numerical libraries the hashes depend on."""
    return {"numpy": np.__version__, "scipy": scipy.__version__}


def load() -> dict:
    """The recorded golden file."""
    return json.loads(GOLDEN.read_text())


@pytest.fixture(scope="module")
def fingerprints():
    """fingerprint(name) for this machine, running the SIMD code the golden file was made with."""
    golden = load()
    if golden["versions"] != versions():
        pytest.skip(f"golden runs recorded with {golden['versions']}, running {versions()}")
    flag = simd.disable_for(golden["numpy_simd"])
    if flag is None:
        pytest.skip(f"golden runs recorded with SIMD {golden['numpy_simd']}, here {simd.targets()}")
    if flag == "":
        return lambda name: fingerprint(cases()[name])
    env = {**os.environ, simd.ENV: flag}  # numpy reads it once, at import: a new process
    out = subprocess.run(
        [sys.executable, __file__, "--print"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, f"{simd.ENV}='{flag}' python {__file__} --print:\n{out.stderr}"
    runs = json.loads(out.stdout)
    return runs.__getitem__


@pytest.mark.parametrize("name", list(cases()))
def test_run_is_unchanged(name, fingerprints):
    """The run's positions, events and reporters hash exactly as recorded."""
    golden = load()
    assert name in golden["runs"], f"{name} has no golden record: run --update"
    assert fingerprints(name) == golden["runs"][name]


def test_every_case_is_recorded():
    """The golden file covers exactly the current presets and parameter sets."""
    assert set(load()["runs"]) == set(cases())


def test_a_wider_machine_runs_the_recorded_simd_code():
    """Told to disable what the recorded machine lacked, numpy runs exactly the recorded code."""
    recorded = load()["numpy_simd"]
    flag = simd.disable_for(recorded)
    if not flag:
        pytest.skip(f"this machine runs {simd.targets()}: nothing to disable for {recorded}")
    code = "import json; from sim import simd; print(json.dumps(simd.targets()))"
    env = {**os.environ, simd.ENV: flag}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == recorded


if __name__ == "__main__":
    if "--print" in sys.argv:  # this machine's hashes, for the test run in a subprocess
        print(json.dumps({name: fingerprint(kwargs) for name, kwargs in cases().items()}))
        sys.exit()
    if "--update" not in sys.argv:
        sys.exit("usage: python tests/test_golden.py --update")
    runs = {name: fingerprint(kwargs) for name, kwargs in cases().items()}
    record = {"versions": versions(), "numpy_simd": list(simd.targets()), "runs": runs}
    GOLDEN.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {len(runs)} golden runs to {GOLDEN}")

"""docs/parameters.md: generated from `SwarmParams`, and never out of date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sim.paramdocs import COMMAND, default_text, markdown
from sim.params import field_names, specs

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "parameters.md"


def test_committed_reference_is_what_the_generator_writes():
    """The committed file equals the generator's output now (else: run the command it names)."""
    assert DOC.read_text(encoding="utf-8") == markdown(), f"regenerate it: {COMMAND}"


def test_every_parameter_has_a_row_with_unit_default_and_range():
    """One row per parameter, with its unit, default and allowed range."""
    text = markdown()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] != [] and len(rows) == len(field_names())
    row = next(r for r in rows if r.startswith("| `comm_range` "))
    m = specs()["comm_range"]
    assert f"| {m['unit']} | `{default_text(m['default'])}` | a number in [0.1, " in row


def test_module_prints_the_reference(tmp_path):
    """``python -m sim.paramdocs`` prints exactly `markdown()`."""
    out = subprocess.run(
        [sys.executable, "-m", "sim.paramdocs"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout == markdown()


def test_readme_links_the_reference():
    """The README points readers to the parameter reference."""
    assert "(docs/parameters.md)" in (ROOT / "README.md").read_text(encoding="utf-8")

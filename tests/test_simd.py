"""sim.simd: naming numpy's SIMD code, and running another machine's on a wider one."""

from __future__ import annotations

import pytest

from sim import simd

WIDE = ("AVX512_SPR", "X86_V3", "X86_V4", "baseline(X86_V2)")
NARROW = ["X86_V3", "baseline(X86_V2)"]


@pytest.fixture
def wide_machine(monkeypatch):
    monkeypatch.setattr(simd, "targets", lambda: WIDE)


def test_this_machine_runs_numpys_baseline_code():
    assert any(t.startswith(simd.BASELINE) for t in simd.targets())


def test_a_wider_machine_disables_what_the_recorded_one_lacked(wide_machine):
    assert simd.disable_for(NARROW) == "AVX512_SPR X86_V4"
    assert simd.disable_for(list(WIDE)) == ""
    assert "NPY_DISABLE_CPU_FEATURES='AVX512_SPR X86_V4'" in simd.advice(NARROW)
    assert simd.advice(list(WIDE)) == ""


def test_a_narrower_machine_cannot_run_the_recorded_code(wide_machine):
    recorded = [*WIDE, "AVX512_FUTURE"]
    assert simd.disable_for(recorded) is None
    assert "cannot reproduce it bit for bit" in simd.advice(recorded)

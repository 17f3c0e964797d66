"""Which SIMD code numpy runs on this machine, and how to run what another machine ran.

numpy picks, per function and at import, the widest SIMD code the CPU supports (AVX2 on one
machine, AVX-512 on the next). Some of these agree only to the last bit: `np.sin`, `np.exp`,
`np.arctan2` … Collective runs are chaotic, so one last bit grows into a different trajectory,
and the same seed gives the same run only on machines where numpy runs the same SIMD code.

`targets()` names that code (recorded in provenance.json and the golden runs); `disable_for`
gives the value of numpy's ``NPY_DISABLE_CPU_FEATURES`` that makes a wider machine run the
narrower one's code, so it reproduces the other machine's runs bit for bit.
"""

from __future__ import annotations

import functools

import numpy as np

BASELINE = "baseline"  # numpy's name for the code every supported CPU runs: never disabled
ENV = "NPY_DISABLE_CPU_FEATURES"


@functools.cache
def targets() -> tuple[str, ...]:
    """The SIMD targets numpy's optimized functions run here, sorted (e.g. X86_V3, X86_V4).

    From `numpy.lib.introspect.opt_func_info` (numpy >= 2.0; empty before).
    """
    try:
        info = np.lib.introspect.opt_func_info()
    except AttributeError:
        return ()
    return tuple(sorted({sig["current"] for sigs in info.values() for sig in sigs.values()}))


def disable_for(recorded: list[str] | tuple[str, ...]) -> str | None:
    """``NPY_DISABLE_CPU_FEATURES`` making this machine run `recorded`'s code ("" if it does).

    None when this machine lacks some of the recorded targets (it cannot run their code).
    """
    here, there = set(targets()), set(recorded)
    if there - here:
        return None
    return " ".join(sorted(t for t in here - there if not t.startswith(BASELINE)))


def advice(recorded: list[str] | tuple[str, ...]) -> str:
    """One sentence on re-running here what a machine with `recorded` targets ran ("" if same)."""
    flag = disable_for(recorded)
    if flag == "" or not recorded:
        return ""
    mine = ", ".join(targets())
    if flag is None:
        return (
            f"recorded where numpy ran SIMD code {', '.join(recorded)}; this machine runs "
            f"{mine} and cannot reproduce it bit for bit (results agree statistically)"
        )
    return (
        f"recorded where numpy ran SIMD code {', '.join(recorded)}; this machine runs {mine}: "
        f"prefix the command with {ENV}='{flag}' to run the same code"
    )

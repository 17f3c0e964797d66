"""The words of ``swarm-sim compare``: one plain sentence per comparison, and the printed table.

A sentence names the direction in the metric's own terms ("raft recovers 6.2 steps faster than
lowest_id"), with the 95 % interval of that amount and the number of pairs it stands on; when
the interval holds zero it says "no clear difference" and gives the signed difference instead.
Shares are stated in percentage points. Recovery times say how many pairs were left out because
a run never recovered, and on which side.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

# metric → (what it is, when B − A > 0, when B − A < 0); {b} and {a} are levels, {x} the amount.
PHRASES = {
    "max_recovery_steps": (
        "recovery time",
        "{b} recovers {x} steps slower than {a}",
        "{b} recovers {x} steps faster than {a}",
    ),
    "leaderless_steps": (
        "leaderless steps",
        "{b} spends {x} more steps leaderless than {a}",
        "{b} spends {x} fewer steps leaderless than {a}",
    ),
    "completion_time": (
        "completion time",
        "{b} completes its route {x} steps later than {a}",
        "{b} completes its route {x} steps sooner than {a}",
    ),
    "mission_success": (
        "mission success",
        "{b} completes the mission {x} percentage points more often than {a}",
        "{b} completes the mission {x} percentage points less often than {a}",
    ),
    "recovered": (
        "the share of runs that recovered their leader",
        "{b} recovers its leader {x} percentage points more often than {a}",
        "{b} recovers its leader {x} percentage points less often than {a}",
    ),
}
MEAN_PHRASE = (
    "{m}",
    "{m} is {x} higher with {b} than with {a}",
    "{m} is {x} lower with {b} than with {a}",
)
SHARE_PHRASE = (
    "{m}",
    "{m} holds {x} percentage points more often with {b} than with {a}",
    "{m} holds {x} percentage points less often with {b} than with {a}",
)


def number(x: float) -> str:
    """`x` to three significant digits, never in scientific notation (6.23, 240, 0.0123)."""
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{digits}f}"


def label(by: str, level: str) -> str:
    """A level as a sentence names it: a word alone (``raft``), a number with its parameter."""
    try:
        float(level)
    except ValueError:
        return f"{by}={level}" if level in ("True", "False", "") else level
    return f"{by}={level}"


def sentence(row: dict[str, Any]) -> str:
    """The plain sentence of one comparison row (`sim.research.compare.compare`)."""
    metric, kind, n = row["metric"], row["kind"], int(row["n"])
    default = SHARE_PHRASE if kind == "share" else MEAN_PHRASE
    what, up, down = (t.replace("{m}", metric) for t in PHRASES.get(metric, default))
    a, b = label(row["by"], row["baseline"]), label(row["by"], row["level"])
    scale = 100.0 if kind == "share" else 1.0
    diff, lo, hi = (scale * row[k] for k in ("diff", "lo", "hi"))
    unit = " percentage points" if kind == "share" else ""
    pairs = f"{n} pair{'s' if n != 1 else ''} of runs"
    if n == 0:
        left = _left_out(row, a, b)
        text = f"No pair of {b} and {a} runs where both have a value of {what}"
        text += f" ({left[2:]})" if left else ""
    elif math.isnan(lo):
        text = f"One pair only: {what}, {b} − {a} = {number(diff)}{unit}, no interval"
    elif lo > 0 or hi < 0:
        phrase, x, x_lo, x_hi = (up, diff, lo, hi) if diff > 0 else (down, -diff, -hi, -lo)
        text = f"{phrase.format(a=a, b=b, x=number(x))} (95 % CI {number(x_lo)}–{number(x_hi)}"
        text += f"; {pairs}{_left_out(row, a, b)})"
    else:
        text = (
            f"No clear difference in {what} between {b} and {a} ({b} − {a} = {number(diff)}{unit}, "
            f"95 % CI {number(lo)} to {number(hi)}; {pairs}{_left_out(row, a, b)})"
        )
    return text + "."


def _left_out(row: dict[str, Any], a: str, b: str) -> str:
    """Pairs a recovery time leaves out: a never-recovered run on each side, no leader loss."""
    parts = []
    never = [
        (a, row.get("never_a", 0)),
        (b, row.get("never_b", 0)),
        ("both", row.get("never_both", 0)),
    ]
    if any(_count(k) for _, k in never):
        counted = ", ".join(f"{side} {_count(k)}" for side, k in never if _count(k))
        parts.append(f"left out: pairs where a run never recovered — {counted}")
    if _count(row.get("undefined", 0)):
        what = (
            "a run never lost its leader"
            if row["metric"] in ("max_recovery_steps", "recovered")
            else "a run has no value"
        )
        parts.append(f"{_count(row['undefined'])} pairs where {what}")
    return "; " + "; ".join(parts) if parts else ""


def _count(value: Any) -> int:
    return 0 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _interval(row: dict[str, Any]) -> str:
    scale = 100.0 if row["kind"] == "share" else 1.0
    diff = number(scale * row["diff"]) if row["n"] else "–"
    if row["n"] < 2 or math.isnan(row["lo"]):
        return diff
    unit = " pp" if row["kind"] == "share" else ""
    return f"{diff}{unit} [{number(scale * row['lo'])}, {number(scale * row['hi'])}]"


def _side(row: dict[str, Any], key: str) -> str:
    value = row[key]
    if math.isnan(value):
        return "–"
    return f"{number(100 * value)} %" if row["kind"] == "share" else number(value)


def _effect(row: dict[str, Any]) -> str:
    if row["kind"] == "share":
        if not row["n"]:
            return "–"
        p = row["mcnemar_p"]
        p_text = "< 0.001" if p < 0.001 else f"= {p:.3f}"
        return f"discordant {row['a_only']} vs {row['b_only']} (McNemar p {p_text})"
    if math.isnan(row.get("d_z", math.nan)):
        return "–"
    if math.isnan(row["d_lo"]):
        return f"d_z = {number(row['d_z'])}"
    return f"d_z = {number(row['d_z'])} [{number(row['d_lo'])}, {number(row['d_hi'])}]"


def text_table(report: dict[str, Any]) -> str:
    """The report as printed: per level, a header, a table of the metrics, then the sentences."""
    by, base = report["by"], report["baseline"]
    a = label(by, base)
    blocks = [f"{by}: levels {', '.join(report['levels'])}; baseline {base}"]
    if report["failed"]:
        blocks.append(f"{report['failed']} failed runs pair with nothing (see errors.log)")
    for level in report["levels"]:
        rows = [r for r in report["rows"] if r["level"] == level]
        if not rows:
            continue
        b, first = label(by, level), rows[0]
        head = f"\n{b} vs {a}: {first['pairs']} pairs of runs"
        if first["unpaired_baseline"] or first["unpaired_level"]:
            head += (
                f"; without a partner (not compared): {first['unpaired_baseline']} {a} runs, "
                f"{first['unpaired_level']} {b} runs"
            )
        cells = [
            {
                "metric": r["metric"],
                "pairs": int(r["n"]),
                f"{base} (A)": _side(r, "mean_a"),
                f"{level} (B)": _side(r, "mean_b"),
                "B − A [95 % CI]": _interval(r),
                "effect size": _effect(r),
            }
            for r in rows
        ]
        table = pd.DataFrame(cells).to_string(index=False)
        blocks += [head, table, "", *(f"- {r['sentence']}" for r in rows)]
    return "\n".join(blocks)

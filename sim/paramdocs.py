"""The parameter reference, ``docs/parameters.md``, generated from `SwarmParams` metadata.

Regenerate it with ``python -m sim.paramdocs > docs/parameters.md``; a test checks that the
committed file is what this module writes now.
"""

from __future__ import annotations

import json
from typing import Any

from sim.params import GROUPS, allowed, specs

COMMAND = "python -m sim.paramdocs > docs/parameters.md"
HEADER = f"""# Parameters

<!-- Generated from sim/params.py by `{COMMAND}`; do not edit by hand. -->

Every parameter of `SwarmModel`, as accepted by `SwarmModel(**params)`, `swarm-sim run --set
NAME=VALUE`, the `[params]` and `[sweep]` tables of experiment files and the UI controls. Units:
lengths in metres (m), time in steps, speeds in m/step, accelerations in m/step², angles in
radians (rad). An empty default is chosen by the model (the description says how).
"""


def default_text(value: Any) -> str:
    """A default as a reader types it: empty, true/false, a number, a name or a JSON list."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    """Text safe in one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown() -> str:
    """The parameter reference: one table per group, in declaration order."""
    table = specs()
    parts = [HEADER]
    for group in GROUPS:
        parts.append(f"\n## {group.capitalize()}\n\n")
        parts.append("| Name | Label | Unit | Default | Allowed | Description |\n")
        parts.append("|---|---|---|---|---|---|\n")
        for name, m in table.items():
            if m["group"] != group:
                continue
            cells = [
                f"`{name}`",
                m["label"],
                m["unit"] or "–",
                f"`{default_text(m['default'])}`",
                allowed(name),
                m["doc"],
            ]
            parts.append("| " + " | ".join(_cell(c) for c in cells) + " |\n")
    return "".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")

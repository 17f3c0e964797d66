"""Compare this environment's installed versions with the pins of a constraints file.

Usage: ``python scripts/check_pins.py [--report] [FILE]`` (run with the venv's python;
FILE defaults to ``requirements/constraints.txt``).

Only installed packages are compared (pins of extras that are not installed are ignored).
Without ``--report`` it exits with status 1 if a pinned package is installed at another version
(``scripts/bootstrap.sh`` runs it after a pinned install). With ``--report`` it only
lists the differences (``make test-latest`` shows how the newest versions differ from the pins).
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib.metadata import distributions
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def normalise(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements/constraints file, by normalised name."""
    pins = {}
    for line in path.read_text().splitlines():
        if m := PIN.match(line.strip()):
            pins[normalise(m[1])] = m[2]
    return pins


def installed() -> dict[str, str]:
    """Installed distributions of this interpreter, by normalised name."""
    return {normalise(d.metadata["Name"]): d.version for d in distributions()}


def same_version(have: str, pin: str) -> bool:
    """Whether an installed version equals a pin (``1.0`` equals ``1.0.0``, as pip compares)."""
    try:
        from packaging.version import Version

        return Version(have) == Version(pin)
    except ImportError:  # packaging is not installed yet: compare the strings
        return have == pin


def main(argv: list[str] | None = None) -> int:
    """Print the differences; return a process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="requirements/constraints.txt", type=Path)
    parser.add_argument("--report", action="store_true", help="list differences, never fail")
    args = parser.parse_args(argv)
    pins, have = read_pins(args.file), installed()
    differ = [
        f"  {name} {pin} -> {have[name]}"
        for name, pin in sorted(pins.items())
        if name in have and not same_version(have[name], pin)
    ]
    if args.report:
        print(f"Differences from {args.file}:" if differ else f"Same versions as {args.file}.")
    elif differ:
        print(f"error: installed versions differ from {args.file}:", file=sys.stderr)
    if differ:
        print("\n".join(differ), file=sys.stdout if args.report else sys.stderr)
    return 1 if differ and not args.report else 0


if __name__ == "__main__":
    sys.exit(main())

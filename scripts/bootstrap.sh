#!/usr/bin/env bash
# Set up a venv with a Python >= 3.12 that actually runs, and install the project.
# Usage: scripts/bootstrap.sh [--latest] [EXTRAS]   (EXTRAS like "ui,dev"; default "ui,dev")
#   default   .venv, pinned by requirements/constraints.txt (the versions the suite was run on);
#             re-running is quick: it reinstalls only when pyproject.toml or the pins changed.
#   --latest  .venv-latest, the newest versions pyproject.toml allows (upgraded on every run),
#             then lists where they differ from the pins. `.venv` is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
latest=0
if [ "${1:-}" = "--latest" ]; then
    latest=1
    shift
fi
extras="${1:-ui,dev}"
constraints=requirements/constraints.txt
if [ "$latest" = 1 ]; then venv=.venv-latest; else venv=.venv; fi

find_python() {
    local cands=() root
    # 3.12 first: requirements/constraints.txt is resolved for it
    cands+=("${PYTHON:-}" python3.12 python3.13 python3)
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        for v in "$root"/versions/3.1[2-9]*; do [ -x "$v/bin/python3" ] && cands+=("$v/bin/python3"); done
    fi
    for v in /usr/bin/python3.1[2-9] /usr/local/bin/python3.1[2-9]; do [ -x "$v" ] && cands+=("$v"); done
    for c in "${cands[@]}"; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            command -v "$c" 2>/dev/null || echo "$c"
            return 0
        fi
    done
    return 1
}

# (this machine's pip config lists local mirrors that may not exist: hide that noise)
quiet_pip() {
    "$venv/bin/python" -m pip "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }
}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    py=$(find_python) || {
        echo "error: no Python >= 3.12 found (tried \$PYTHON, python3.12, python3.13, python3, pyenv versions)." >&2
        echo "       Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
        exit 1
    }
    echo "Creating $venv with $py ($("$py" --version))"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    quiet_pip install --quiet --upgrade pip
fi

if [ "$latest" = 1 ]; then
    echo "Installing swarm-sim[$extras] into $venv with the newest versions ..."
    quiet_pip install --quiet --upgrade --upgrade-strategy eager -e ".[$extras]"
    if [ -f "$constraints" ]; then "$venv/bin/python" scripts/check_pins.py --report "$constraints"; fi
else
    # The stamp holds a hash of pyproject.toml and the pins: a change to either reinstalls
    stamp="$venv/.installed-$extras"
    inputs=(pyproject.toml)
    pin=()
    how="versions pinned by $constraints"
    if [ -f "$constraints" ]; then
        inputs+=("$constraints")
        pin=(-c "$constraints")
    else
        echo "warning: $constraints is missing: installing unpinned versions" >&2
        how="unpinned"
    fi
    want=$(cat "${inputs[@]}" | "$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "Installing swarm-sim[$extras] into $venv ($how) ..."
        quiet_pip install --quiet -e ".[$extras]" ${pin[@]+"${pin[@]}"}
        if [ -f "$constraints" ]; then "$venv/bin/python" scripts/check_pins.py "$constraints"; fi
        echo "$want" >"$stamp"
    fi
fi

if [[ ",$extras," == *,ui,* && -f scripts/offline_assets.py ]]; then
    "$venv/bin/python" scripts/offline_assets.py
fi

# Compile the cell-list kernels once (numba caches the machine code beside the source), so the
# first collective run, in the UI or a test, does not pause ~10 s to compile them; quick after.
"$venv/bin/python" -c "import sim.cells; sim.cells.warm()"

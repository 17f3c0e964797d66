#!/usr/bin/env bash
# Set up .venv with a Python >= 3.12 that actually runs, and install the project.
# Usage: scripts/bootstrap.sh [EXTRAS]   (EXTRAS like "ui,dev"; default "ui,dev")
# Re-running is quick: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-ui,dev}"
venv=.venv

find_python() {
    local cands=() root
    cands+=("${PYTHON:-}" python3.13 python3.12 python3)
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

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    py=$(find_python) || {
        echo "error: no Python >= 3.12 found (tried \$PYTHON, python3.13, python3.12, python3, pyenv versions)." >&2
        echo "       Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
        exit 1
    }
    echo "Creating $venv with $py ($("$py" --version))"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
fi

stamp="$venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing swarm-sim[$extras] into $venv ..."
    # (this machine's pip config lists local mirrors that may not exist: hide that noise)
    "$venv/bin/python" -m pip install --quiet -e ".[$extras]" 2>&1 | { grep -v "^WARNING: Location" || true; }
    touch "$stamp"
fi

if [[ ",$extras," == *,ui,* && -f scripts/offline_assets.py ]]; then
    "$venv/bin/python" scripts/offline_assets.py
fi

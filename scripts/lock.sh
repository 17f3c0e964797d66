#!/usr/bin/env bash
# Regenerate requirements/constraints.txt: the pinned versions scripts/bootstrap.sh installs.
# Usage: scripts/lock.sh [--upgrade] [EXTRAS]   (EXTRAS like "ui,dev"; the Makefile passes its own)
#   default    keep the current pins wherever pyproject.toml still allows them (adds, drops and
#              re-resolves only what its changes need)
#   --upgrade  re-resolve every package to the newest version pyproject.toml allows
# Resolved with uv (pinned below, installed into .venv-tools) for Python 3.12 on Linux x86_64,
# whatever machine runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
PY_VERSION=3.12
PLATFORM=x86_64-unknown-linux-gnu
out=requirements/constraints.txt
tools=.venv-tools

upgrade=()
if [ "${1:-}" = "--upgrade" ]; then
    upgrade=(--upgrade)
    shift
fi
extras="${1:-ui,dev}"
extra_args=()
IFS=, read -ra names <<<"$extras"
for name in "${names[@]}"; do extra_args+=(--extra "$name"); done

uv="$tools/bin/uv"
if [ ! -x "$uv" ] || [ "$("$uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    py=.venv/bin/python
    [ -x "$py" ] || py=$(command -v python3) || { echo "error: no python3 to install uv with" >&2; exit 1; }
    echo "Installing uv $UV_VERSION into $tools ..."
    rm -rf "$tools"
    "$py" -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet "uv==$UV_VERSION" 2>&1 | { grep -v "^WARNING: Location" || true; }
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ -f "$out" ]; then cp "$out" "$tmp"; fi  # uv keeps the pins it finds in its output file
"$uv" pip compile pyproject.toml "${extra_args[@]}" ${upgrade[@]+"${upgrade[@]}"} \
    --python-version "$PY_VERSION" --python-platform "$PLATFORM" \
    --no-header --quiet --output-file "$tmp"
{
    cat <<HEADER
# Pinned versions for swarm-sim[$extras]: the versions the test suite was run on.
# scripts/bootstrap.sh (make setup, make ui, make test) installs with \`pip install -c\` this file.
# Resolved from pyproject.toml for Python $PY_VERSION on Linux x86_64 by uv $UV_VERSION.
# Do not edit by hand; regenerate with
#   make lock           keep these pins where pyproject.toml still allows them
#   make lock-upgrade   move every package to its newest version (then run make test)
# make test-latest runs the suite on the newest versions in .venv-latest, leaving this file alone.
HEADER
    cat "$tmp"
} >"$out"
echo "Wrote $out ($(grep -c '^[A-Za-z0-9]' "$out") pins)"

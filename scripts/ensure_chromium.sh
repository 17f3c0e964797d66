#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the real-browser tests (Playwright cannot
# download its own browsers here). Installs it with apt-get when running as root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the browser tests ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (sudo) ..."
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "error: the browser tests need Debian's chromium: run 'apt-get install chromium' as root" >&2
    exit 1
fi

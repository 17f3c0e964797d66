"""Serve the Solara UI on loopback: ``swarm-sim ui`` and ``make ui`` end here.

Runs ``solara run sim/ui/app.py`` as a child process with telemetry off and no version check,
after making sure Solara's front-end files are cached locally (the page works with no internet).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path

APP = Path(__file__).with_name("app.py")
ROOT = Path(__file__).resolve().parents[2]
# Debian's headless Chromium, as the browser tests and `make bench-ui` drive it (Playwright)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
OFFLINE_ASSETS = ROOT / "scripts" / "offline_assets.py"


def server_env() -> dict[str, str]:
    """Environment for the solara child: telemetry off, no banner, this project importable.

    (Solara's "This website runs on Solara" banner sits over the event log at 1280×720.)
    """
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def command(host: str, port: int, app: Path = APP) -> list[str]:
    """The ``solara run`` command line that serves `app` (the swarm UI by default)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app),
        "--host",
        host,
        "--port",
        str(port),
        "--no-check-version",
        "--no-open",
        "--production",
    ]


def ensure_assets() -> None:
    """Cache Solara's front-end files (quick no-op when already there)."""
    if OFFLINE_ASSETS.exists():
        subprocess.run([sys.executable, str(OFFLINE_ASSETS)], check=False)


def wait_for_port(host: str, port: int, timeout: float = 60.0) -> bool:
    """Wait until something listens on (host, port); return whether it does."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> int:
    """Serve the UI until interrupted; print its URL once it answers.

    Args:
        host: interface to listen on (loopback by default).
        port: TCP port.
        open_browser: open the URL in the default web browser once the server is up.

    Returns:
        The server's exit status (0 after Ctrl-C).
    """
    ensure_assets()
    url = f"http://{host}:{port}/"
    proc = subprocess.Popen(command(host, port), env=server_env())

    def announce() -> None:
        if wait_for_port(host, port):
            print(f"\n  Swarm UI ready: {url}  (Ctrl-C to stop)\n", flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()

    def on_term(signum, frame):  # stop the server with us (e.g. `kill`, `timeout`)
        proc.terminate()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0


def spawn(
    app: Path, port: int, log: Path, extra_env: dict[str, str] | None = None, timeout: float = 60.0
) -> subprocess.Popen:
    """Start ``solara run app`` on loopback in the background and wait until it answers.

    Used by the browser tests and the UI benchmark; output goes to `log`.

    Raises:
        RuntimeError: if the server exits or does not answer within `timeout` seconds.
    """
    ensure_assets()
    env = {**server_env(), **(extra_env or {})}
    out = open(log, "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        command("127.0.0.1", port, app), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
    )
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"solara exited early; see {log}:\n{Path(log).read_text()[-2000:]}")
        if wait_for_port("127.0.0.1", port, timeout=0.2):
            return proc
    proc.kill()
    raise RuntimeError(f"solara did not answer within {timeout:.0f} s; see {log}")


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Stop a server started by `spawn` (terminate, then kill if it lingers)."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

"""Fill Solara's CDN cache so the UI works with no internet.

Solara's page loads its JavaScript, CSS and fonts through a CDN proxy at ``/_solara/cdn/...``;
the server serves a file from ``$VIRTUAL_ENV/share/solara/cdn/<package>@<version>/<path>`` when
present and otherwise fetches it from the internet (a blank page when offline). This script
fills that directory from the npm registry with ``npm pack`` (the ordinary npm client).

Idempotent: packages already unpacked are skipped, so a re-run takes a fraction of a second.

Usage: ``python scripts/offline_assets.py [--force]`` (run with the project's venv python).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The packages the served page requests (checked against the server log: no CDN misses).
PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "font-awesome@4.5.0",
    "requirejs@2.3.6",
)
MARKER = ".complete"  # written last, so an interrupted unpack is redone


def cache_dir() -> Path:
    """Solara's CDN cache directory for this Python environment."""
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def unpack(spec: str, dest: Path, workdir: Path) -> None:
    """Download one npm package with ``npm pack`` and unpack it into ``dest``."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    tgz = workdir / out.stdout.strip().splitlines()[-1]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            # npm tarballs hold everything under one top folder ("package/" usually)
            parts = Path(member.name).parts[1:]
            if not parts or not (member.isfile() or member.isdir()):
                continue
            member.name = str(Path(*parts))
            tar.extract(member, dest, filter="data")
    (dest / MARKER).write_text(spec + "\n")


def main(argv: list[str] | None = None) -> int:
    """Unpack every missing package; return a process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="download again even if present")
    args = parser.parse_args(argv)
    root = cache_dir()
    todo = [s for s in PACKAGES if args.force or not (root / s / MARKER).exists()]
    if not todo:
        return 0
    if shutil.which("npm") is None:
        print("error: npm is needed once to fetch the UI's front-end files", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            print(f"offline assets: {spec} -> {root / spec}")
            try:
                unpack(spec, root / spec, Path(tmp))
            except subprocess.CalledProcessError as exc:
                print(f"error: npm pack {spec} failed: {exc.stderr.strip()}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

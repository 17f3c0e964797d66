"""Keep a small, committed record of where a shipped experiment's numbers came from.

Results folders are git-ignored, so the numbers quoted in ``experiments/README.md`` need a
committed trace: ``experiments/records/NAME.json`` holds the experiment as it was run, the git
commit and the hash of the ``sim`` sources of every row, how many runs finished, and a few rows
(the quickest runs) that ``tests/research/test_shipped.py`` re-runs with today's code to check
that the README still describes it. Run after every re-run of a shipped experiment::

    .venv/bin/python experiments/record.py results/claim
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

RECORDS = Path(__file__).parent / "records"
SAMPLES = 3  # rows kept for the re-run check: the quickest ones (fewest steps × agents)


def record(folder: Path) -> dict:
    """The record of results folder `folder` (a finished sweep)."""
    prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    with open(folder / "summary.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sources = sorted({row["source"] for row in rows})
    if len(sources) != 1:
        raise SystemExit(f"{folder}: rows come from several sources {sources}; re-run the sweep")
    ok = [row for row in rows if row["status"] == "ok"]
    quick = sorted(ok, key=lambda r: (int(r["steps"]) * int(r["n_agents"]), r["run_id"]))
    exp = prov["experiment"]
    return {
        "name": exp["name"],
        "experiment": {
            k: exp[k] for k in ("steps", "seeds", "params", "sweep", "design") if k in exp
        },
        "commit": (prov.get("git") or {}).get("commit"),
        "dirty": (prov.get("git") or {}).get("dirty"),
        "source": sources[0],
        "version": prov.get("sim_version"),
        "numpy_simd": prov.get("numpy_simd"),  # the SIMD code numpy ran (`sim.simd`)
        "runs": len(rows),
        "ok": len(ok),
        "finished": all(s.get("finished") for s in prov.get("sessions", [])),
        "sessions": [
            {k: s.get(k) for k in ("started", "ended", "workers", "executor")}
            for s in prov.get("sessions", [])
        ],
        "samples": quick[:SAMPLES],
    }


def main(argv: list[str] | None = None) -> int:
    """Write experiments/records/NAME.json for one results folder; exit status 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="results folder of a finished sweep")
    args = parser.parse_args(argv)
    rec = record(args.results)
    RECORDS.mkdir(exist_ok=True)
    path = RECORDS / f"{rec['name']}.json"
    path.write_text(json.dumps(rec, indent=1) + "\n", encoding="utf-8")
    print(f"{path}: commit {rec['commit']}, source {rec['source']}, {rec['ok']}/{rec['runs']} ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

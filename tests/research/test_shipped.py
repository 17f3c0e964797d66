"""The shipped experiments tell the truth about the code they ship with.

Each ``experiments/*.toml`` parses and has a README section. Its committed record
(``experiments/records/NAME.json``, written by ``experiments/record.py`` from the results
folder) was made from exactly this file, on a clean tree, with every run finished; the README
section that quotes its numbers names the record's source hash and, when today's sources differ,
the commit they came from; and the record's sample rows, re-run with today's code, give the
recorded results field for field, so the README's numbers still describe the model as it is (a
model change that alters results fails here until the experiment is re-run and its findings
rewritten). An experiment without a record has not been re-run since: its section must say so
and name the commit its numbers came from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import simd
from sim.params import SwarmParams, field_names
from sim.research.experiment import Run, load_experiment, settings_run_id
from sim.research.provenance import experiment_dict, short_hash
from sim.research.rerun import differences
from sim.research.sweep import execute_run

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ROOT / "experiments"
FILES = sorted(EXPERIMENTS.glob("*.toml"))
RECORDED = ("steps", "seeds", "params", "sweep", "design")  # "design" only for sampled designs


def _record(path: Path) -> dict | None:
    record = EXPERIMENTS / "records" / f"{load_experiment(path).name}.json"
    return json.loads(record.read_text(encoding="utf-8")) if record.is_file() else None


def _recorded(path: Path) -> dict:
    rec = _record(path)
    if rec is None:
        pytest.skip(f"{path.name} has no record (its README section says it was not re-run)")
    return rec


def _section(path: Path) -> str:
    """The section of the README's shipped experiments that names `path` (heading to heading)."""
    text = (EXPERIMENTS / "README.md").read_text(encoding="utf-8")
    text = text[text.index("## Shipped experiments") :]
    sections = re.split(r"^(?=##)", text, flags=re.M)
    found = [
        sec for sec in sections if f"`{path.name}`" in sec or f"experiments/{path.name}" in sec
    ]
    assert len(found) == 1, f"experiments/README.md has {len(found)} sections naming {path.name}"
    return found[0]


def _git(*args: str) -> subprocess.CompletedProcess | None:
    git = shutil.which("git")
    return git and subprocess.run([git, "-C", str(ROOT), *args], capture_output=True)


def _have_commit(commit: str) -> bool:
    done = _git("cat-file", "-e", f"{commit}^{{commit}}")
    return bool(done) and done.returncode == 0


def _plain(value):
    return json.loads(json.dumps(value))


def test_records_belong_to_shipped_experiment_files():
    assert FILES, "no experiment files found"
    names = {load_experiment(p).name for p in FILES}
    records = {p.stem for p in (EXPERIMENTS / "records").glob("*.json")}
    assert records and records <= names, f"records without an experiment file: {records - names}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_an_experiment_without_a_record_says_where_its_numbers_came_from(path):
    if _record(path) is not None:
        return  # the tests below check it
    section = _section(path)
    assert "not yet re-run" in section, f"{path.name}: no record, and its section does not say so"
    commits = re.findall(r"commit `([0-9a-f]{7,40})`", section)
    assert commits, f"{path.name}: its README section names no commit its numbers came from"
    if _git("rev-parse", "--git-dir") and _have_commit(commits[0]):
        return
    pytest.skip("this checkout has no git history to look the commit up in")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_record_came_from_this_file_on_a_clean_tree(path):
    rec = _recorded(path)
    exp = experiment_dict(load_experiment(path))
    assert rec["experiment"] == _plain({k: exp[k] for k in RECORDED if k in exp}), (
        f"{path.name} changed since its results were made; re-run it and its record"
    )
    assert rec["dirty"] is False and re.fullmatch(r"[0-9a-f]{40}", rec["commit"])
    assert rec["finished"] and rec["ok"] == rec["runs"] > 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_readme_says_which_code_its_numbers_came_from(path):
    rec, section = _recorded(path), _section(path)
    assert f"`{rec['source']}`" in section, f"the README section of {path.name} names no source"
    if rec["source"] != short_hash():
        assert f"`{rec['commit'][:7]}`" in section, (
            f"{path.name}: today's sources ({short_hash()}) are not the record's "
            f"({rec['source']}); the README must name the commit {rec['commit'][:7]}"
        )


def _rerun(rows: list[dict]) -> list[dict]:
    """Each recorded row's differences from its re-run with today's code."""
    found = []
    for row in rows:
        # A parameter added since keeps its default, which must reproduce the recorded run.
        params = SwarmParams.build(**{k: row[k] for k in field_names() if k in row}).as_dict()
        seed = int(row["seed"])
        found.append(
            differences(row, execute_run(Run(-1, params, seed, settings_run_id(params, seed))))
        )
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_recorded_rows_rerun_identically_on_todays_code(path):
    rec = _recorded(path)
    flag = simd.disable_for(rec["numpy_simd"]) if rec.get("numpy_simd") else ""
    if flag is None:
        pytest.skip(f"recorded where numpy ran {rec['numpy_simd']}; here {simd.targets()}")
    if flag:  # a wider machine: re-run in a process told to run the recorded SIMD code
        env = {**os.environ, simd.ENV: flag}
        cmd = [sys.executable, __file__, str(path)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{simd.ENV}='{flag}' {' '.join(cmd)}:\n{done.stderr}"
        found = json.loads(done.stdout)
    else:
        found = _rerun(rec["samples"])
    for row, diff in zip(rec["samples"], found, strict=True):
        assert diff == {}, (
            f"{path.name}: run {row['run_id']} gives other results today ({diff}); re-run the "
            "experiment and rewrite its findings (see experiments/README.md)"
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_record_source_is_the_hash_of_its_commit(path):
    rec = _recorded(path)
    git = shutil.which("git")
    if not _have_commit(rec["commit"]):
        pytest.skip("this checkout has no git history with the record's commit")
    listing = subprocess.run(
        [git, "-C", str(ROOT), "ls-tree", "-r", "--name-only", rec["commit"], "sim"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    digest = hashlib.sha256()  # as sim.research.provenance.source_hash, over the commit's tree
    for name in sorted((n for n in listing if n.endswith(".py")), key=lambda n: n.split("/")):
        blob = subprocess.run(
            [git, "-C", str(ROOT), "show", f"{rec['commit']}:{name}"], capture_output=True
        ).stdout
        digest.update(name.removeprefix("sim/").encode() + b"\0" + blob)
    assert digest.hexdigest()[:12] == rec["source"]


if __name__ == "__main__":  # the re-run differences of one record's rows, for the test above
    print(json.dumps(_rerun(_recorded(Path(sys.argv[1]))["samples"])))

"""The sweep benchmark: its memory probe measures the sweep process and its workers."""

from __future__ import annotations

import json

from sim.bench import sweep


def test_memory_probe_reports_the_process_tree(capsys):
    """The benchmark's memory probe prints peak RSS of the sweep process and its workers."""
    sweep.memory_probe_main(20)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["tree_mb"] >= report["parent_mb"] > 10

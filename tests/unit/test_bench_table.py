"""The benchmark suite's table: targets judged from the figures, L's rows only when L ran, a past run reprinted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.suite import read_figures, table


def rows(printed: str) -> dict[str, list[str]]:
    """Each printed row's columns (split on spaces), by the figure's name (the last column)."""
    found = {}
    for line in printed.splitlines()[1:]:
        columns = line.split()
        found[columns[-1]] = columns
    return found


def test_targets_are_judged_and_l_rows_appear_only_when_measured() -> None:
    quick = {
        "import.ratio_rels_vs_neomodel": 84.6,
        "match.p95_ms.M": 28.0,
        "graphql.statements_constant": True,
    }
    printed = rows(table(quick))
    assert set(printed) == set(quick)
    assert printed["import.ratio_rels_vs_neomodel"][-5:-1] == ["84.6", ">=", "100", "no"]
    assert printed["match.p95_ms.M"][-2] == "yes"
    assert printed["graphql.statements_constant"][-3:-1] == ["yes", "yes"]

    full = rows(table(quick | {"match.p95_ms.L": 68.2, "similarities.L.seconds": 346.1}))
    assert full["match.p95_ms.L"][0] == "L" and full["match.p95_ms.L"][-2] == "68.2"  # no target, no verdict
    assert full["similarities.L.seconds"][0] == "refresh"


def test_a_past_run_is_read_back_and_anything_else_is_named(tmp_path: Path) -> None:
    past = tmp_path / "latest.json"
    past.write_text(json.dumps({"match.p95_ms.S": 39.0}))
    assert read_figures(past) == {"match.p95_ms.S": 39.0}
    listed = tmp_path / "list.json"
    listed.write_text("[1]")
    with pytest.raises(
        SystemExit, match=r"list\.json: a results file is one JSON object of figures, not list"
    ):
        read_figures(listed)
    with pytest.raises(SystemExit, match=r"missing\.json: not a readable results file"):
        read_figures(tmp_path / "missing.json")

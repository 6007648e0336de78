"""The loading layer: kg-json with exact counts, bad input refused with file/record/field and nothing half
written, --dry-run and --strict, and imports killed mid-batch or between batches ending like one clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from importers.errors import InputFileError, RecordError
from importers.kgjson import import_kgjson
from importers.loader import FAULT_ENV, FAULT_MARKER_ENV, LoadOptions
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from queries.system import count_nodes_by_label, count_relationships_by_type
from tests.integration.graph_state import RUN_PROPERTIES, STAMPS, graph_fingerprint, graph_state

EVERY_LABEL = Path(__file__).resolve().parents[1] / "fixtures" / "kgjson" / "every-label.kg.json"


def domain_counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {
        k: v for k, v in count_nodes_by_label(db).items() if k not in ("ImportRun", "Resolution", "KGMeta")
    }
    rels = {k: v for k, v in count_relationships_by_type(db).items() if k != "LOADED_BY"}
    return nodes, rels


def write_kgjson(path: Path, nodes: list[dict[str, Any]], rels: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"format": "kg-json", "version": 1, "nodes": nodes, "relationships": rels}))
    return path


def test_a_hand_written_file_of_every_label_and_type_imports_with_exact_counts(db: Database) -> None:
    report = import_kgjson(db, EVERY_LABEL)
    assert report.skipped == []
    assert report.nodes_created == {
        "Source": 3,
        "City": 2,
        "Project": 1,
        "Network": 2,
        "Organisation": 1,
        "ThematicField": 1,
        "Challenge": 2,
        "Solution": 1,
        "BestPractice": 1,
        "Event": 1,
        "Driver": 1,
        "StatusReport": 1,
    }
    expected_rels = {
        t: 1
        for t in (
            "MEMBER_OF",
            "PART_OF",
            "PARTNER_IN",
            "LOCATED_IN",
            "WORKS_ON",
            "FACES",
            "NEEDS",
            "DRIVEN_BY",
            "IMPLEMENTED_IN",
            "ADDRESSES",
            "IN_FIELD",
            "RELATED_TO",
            "SIMILAR_TO",
            "LEARNED_FROM",
            "HELD_IN",
            "ORGANISED_BY",
            "ATTENDED",
            "DISCUSSED",
            "HAS_REPORT",
            "REPORTS",
        )
    } | {"PARTICIPATES_IN": 2, "SOURCED_FROM": 5}
    assert report.relationships_created == expected_rels
    nodes, rels = domain_counts(db)
    assert sum(nodes.values()) == 17 and rels == expected_rels
    typed = db.read(
        "MATCH (c:City {uid: 'aarhus'})-[r:PARTICIPATES_IN]->(p:Project) "
        "MATCH (:City {uid: 'gdansk'})-[f:FACES]->() MATCH (s:Source {uid: 'hand-report'}) "
        "RETURN c.aliases AS aliases, c.population AS population, p.start_date AS start, f.as_of AS as_of, "
        "s.published AS published, r.import_run_ids AS runs"
    )[0]
    assert typed["aliases"] == ["Århus"] and typed["population"] == 285273
    assert str(typed["start"]) == "2018-01-01" and str(typed["as_of"]) == "2019-05-02"
    assert typed["runs"] == [report.run_id]
    record = db.read(
        "MATCH (:City {uid: 'gdansk'})-[p:SOURCED_FROM]->(:Source {uid: 'hand-table'}) RETURN p.record AS r"
    )
    assert record == [{"r": "row 7"}]
    again = import_kgjson(db, EVERY_LABEL)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert again.removed == [] and domain_counts(db) == (nodes, rels)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (
            b'{"format": "kg-json", "version": 1, "nodes": [{"label": "City", "uid": "x", "properties": {"name": "\xff"}}]}',
            ":1:",
        ),
        (
            b'{"format": "kg-json", "version": 1, "nodes": [{"label": "City", "uid": "x", "properties": {"name": "a\x07"}}]}',
            "control character U+0007",
        ),
        (b'{"format": "other", "version": 1, "nodes": [], "relationships": []}', "format/version"),
        (b'{"format": "kg-json", "version": 1, "nodes": [', "not valid JSON"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(
    db: Database, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.kg.json"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as error:
        import_kgjson(db, path)
    assert str(path) in str(error.value) and message in str(error.value)
    assert domain_counts(db) == ({}, {})


def test_a_file_over_max_bytes_is_refused_before_reading(db: Database) -> None:
    with pytest.raises(InputFileError, match=r"over the limit of 100 \(--max-bytes\)"):
        import_kgjson(db, EVERY_LABEL, LoadOptions(max_bytes=100))


def _mixed(tmp_path: Path) -> Path:
    nodes = [
        {"label": "Source", "uid": "s", "properties": {"name": "S", "kind": "dataset"}},
        {"label": "City", "uid": "ok", "properties": {"name": "Ok", "country": "FR"}},
        {"label": "City", "uid": "bad-country", "properties": {"name": "Bad", "country": "France"}},
        {"label": "Project", "uid": "p", "properties": {"name": 7}},
    ]
    rels = [
        {
            "type": "PARTICIPATES_IN",
            "from": "City:ok",
            "to": "Project:nowhere",
            "properties": {"role": "follower"},
            "source_ids": ["s"],
            "quotes": [""],
        },
        {
            "type": "PARTICIPATES_IN",
            "from": "City:ok",
            "to": "City:ok",
            "properties": {"role": "follower"},
            "source_ids": ["s"],
            "quotes": [""],
        },
    ]
    return write_kgjson(tmp_path / "mixed.kg.json", nodes, rels)


def test_bad_records_are_skipped_and_named_by_default(db: Database, tmp_path: Path) -> None:
    path = _mixed(tmp_path)
    report = import_kgjson(db, path)
    assert report.nodes_created == {"Source": 1, "City": 1}
    assert sorted(report.skipped) == sorted(
        [
            f"{path}: nodes[2] (City:bad-country): properties.country: 'France' does not match '^[A-Z]{{2}}$'",
            f"{path}: nodes[3] (Project:p): properties.name: 7 is not of type 'string'",
            f"{path}: relationships[0] (PARTICIPATES_IN City:ok -> Project:nowhere): to: unknown reference Project:nowhere (not in this input or the graph)",
            f"{path}: relationships[1] (PARTICIPATES_IN City:ok -> City:ok): type: PARTICIPATES_IN does not link City to City",
        ]
    )
    assert report.skipped_counts == {"City": 1, "Project": 1, "PARTICIPATES_IN": 2}
    run = db.read(
        "MATCH (r:ImportRun {uid: $uid}) RETURN r.status AS status, r.errors AS errors", uid=report.run_id
    )[0]
    assert run["status"] == "completed" and len(run["errors"]) == 4


def test_strict_stops_at_the_first_bad_record_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"nodes\[2\] \(City:bad-country\): properties.country"):
        import_kgjson(db, _mixed(tmp_path), LoadOptions(strict=True))
    assert domain_counts(db) == ({}, {}) and count_nodes_by_label(db).get("ImportRun", 0) == 0


def test_an_unknown_reference_stops_a_strict_import_before_the_first_write(
    db: Database, tmp_path: Path
) -> None:
    nodes = [{"label": "City", "uid": "ok", "properties": {"name": "Ok"}}]
    rels = [{"type": "HELD_IN", "from": "Event:nowhere", "to": "City:ok", "source_ids": [], "quotes": []}]
    with pytest.raises(RecordError, match="from: unknown reference Event:nowhere"):
        import_kgjson(db, write_kgjson(tmp_path / "ref.kg.json", nodes, rels), LoadOptions(strict=True))
    assert domain_counts(db) == ({}, {})


def test_dry_run_reports_the_changes_and_writes_nothing_then_a_reimport_syncs(
    db: Database, driver: Driver, tmp_path: Path
) -> None:
    path = tmp_path / EVERY_LABEL.name
    path.write_text(EVERY_LABEL.read_text())
    import_kgjson(db, path)
    before = graph_fingerprint(driver, RUN_PROPERTIES | STAMPS)
    runs = count_nodes_by_label(db)["ImportRun"]
    discussed = (
        ',\n    {"type": "DISCUSSED", "from": "Event:hand-workshop", "to": "Challenge:hand-financing", '
        '"source_ids": ["hand-report"], "quotes": ["financing was discussed"]}'
    )
    assert discussed in path.read_text()
    path.write_text(path.read_text().replace(discussed, ""))
    report = import_kgjson(db, path, LoadOptions(dry_run=True))
    gone = ["DISCUSSED Event:hand-workshop -> Challenge:hand-financing"]
    assert report.dry_run and report.removed == gone
    assert sum(report.nodes_created.values()) == 0 and sum(report.nodes_matched.values()) == 17
    assert graph_fingerprint(driver, RUN_PROPERTIES | STAMPS) == before
    assert count_nodes_by_label(db)["ImportRun"] == runs
    assert import_kgjson(db, path).removed == gone
    assert domain_counts(db)[1].get("DISCUSSED", 0) == 0


# ------------------------------------------------------------------------------------------------ crashes


def big_file(path: Path) -> Path:
    """40 cities, 8 projects, 80 roles: with batch size 7, 24 batches."""
    nodes: list[dict[str, Any]] = [
        {"label": "Source", "uid": "list", "properties": {"name": "A list", "kind": "dataset"}}
    ]
    nodes += [
        {
            "label": "City",
            "uid": f"city-{i}",
            "properties": {"name": f"City {i}", "country": "FR", "population": i * 1000},
            "provenance": [{"source": "list", "record": f"row {i}"}],
        }
        for i in range(40)
    ]
    nodes += [{"label": "Project", "uid": f"project-{j}", "properties": {"name": f"P{j}"}} for j in range(8)]
    rels = [
        {
            "type": "PARTICIPATES_IN",
            "from": f"City:city-{i}",
            "to": f"Project:project-{(i + k) % 8}",
            "properties": {"role": "lighthouse" if k == 0 else "follower"},
            "source_ids": ["list"],
            "quotes": [""],
            "records": [f"list#row {i}"],
        }
        for i in range(40)
        for k in range(2)
    ]
    return write_kgjson(path, nodes, rels)


def _killed_import(connection: Neo4jConnection, path: Path, fault: str, marker: Path) -> None:
    env = {**os.environ, **connection.environment(), FAULT_ENV: fault, FAULT_MARKER_ENV: str(marker)}
    command = [sys.executable, "-m", "kg", "import", "json", str(path), "--batch-size", "7"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, f"the import ended before the fault ({process.returncode})"
            assert time.monotonic() < deadline, "the import never reached the fault"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)


@pytest.mark.parametrize(("fault", "resumes_at"), [("mid:3", 3), ("after:3", 4)])
def test_an_import_killed_mid_batch_or_between_batches_resumes_to_the_clean_state(
    db: Database,
    driver: Driver,
    neo4j_connection: Neo4jConnection,
    tmp_path: Path,
    fault: str,
    resumes_at: int,
) -> None:
    path = big_file(tmp_path / "big.kg.json")
    clean = import_kgjson(db, path, LoadOptions(batch_size=7))
    clean_counts, clean_state = domain_counts(db), graph_state(driver, RUN_PROPERTIES | STAMPS)
    db.write("MATCH (n) DETACH DELETE n")

    _killed_import(neo4j_connection, path, fault, tmp_path / "marker")
    partial = domain_counts(db)
    assert sum(partial[0].values()) + sum(partial[1].values()) < sum(clean_counts[0].values()) + sum(
        clean_counts[1].values()
    )
    assert db.read("MATCH (r:ImportRun) RETURN r.status AS s, r.batches_done AS done") == [
        {"s": "running", "done": resumes_at}
    ]

    resumed = import_kgjson(db, path, LoadOptions(batch_size=7))
    assert resumed.resumed_from_batch == resumes_at
    assert domain_counts(db) == clean_counts
    assert graph_state(driver, RUN_PROPERTIES | STAMPS) == clean_state
    assert (
        resumed.nodes_created == clean.nodes_created
        and resumed.relationships_created == clean.relationships_created
    )
    assert db.read("MATCH (r:ImportRun) RETURN r.status AS s") == [{"s": "completed"}]

"""Loading a seed dataset: counts, idempotency (counts and a hash of every property), provenance, atomicity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from importers.errors import SeedValidationError
from importers.seed import import_seed
from kg.core.database import Database
from queries import curation
from queries.system import count_nodes_by_label, count_relationships_by_type
from tests.integration.graph_state import graph_fingerprint

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "seed_small"


def domain_counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type, without the runs' own ImportRun nodes."""
    nodes = {
        label: n for label, n in count_nodes_by_label(db).items() if label not in ("ImportRun", "Resolution")
    }
    return nodes, count_relationships_by_type(db)


def small_import(db: Database, root: Path = SMALL) -> Any:
    return import_seed(db, data_dir=root / "data", documents_dir=root / "docs")


def test_small_import_creates_then_matches(db: Database, driver: Driver) -> None:
    first = small_import(db)
    assert first.nodes_created == {
        "Source": 2,
        "Project": 2,
        "City": 4,
        "Challenge": 2,
        "Solution": 1,
        "Event": 1,
    }
    assert sum(first.nodes_matched.values()) == 0
    assert first.relationships_created["PARTICIPATES_IN"] == 4
    assert first.relationships_created["FACES"] == 2
    assert first.facts_per_source == {"doc-a": 15, "doc-b": 6}

    second = small_import(db)
    assert sum(second.nodes_created.values()) == 0
    assert sum(second.relationships_created.values()) == 0
    assert second.nodes_matched == first.nodes_created


def test_second_import_changes_nothing(db: Database, driver: Driver) -> None:
    small_import(db)
    counts = domain_counts(db)
    fingerprint = graph_fingerprint(driver)
    small_import(db)
    assert domain_counts(db) == counts
    assert graph_fingerprint(driver) == fingerprint


def test_merged_node_has_one_provenance_edge_per_document(db: Database, driver: Driver) -> None:
    small_import(db)
    records = driver.execute_query(
        "MATCH (c:City {uid: 'munich'})-[r:SOURCED_FROM]->(s:Source) "
        "RETURN c.name AS name, c.aliases AS aliases, c.country AS country, c.population AS population, "
        "s.uid AS source, r.quote AS quote ORDER BY source"
    ).records
    assert [(r["source"], r["quote"]) for r in records] == [
        ("doc-a", "the Lighthouse Cities Lyon and Munich"),
        ("doc-b", "Munich (München)"),
    ]
    assert (records[0]["name"], records[0]["aliases"], records[0]["country"], records[0]["population"]) == (
        "Munich",
        ["München"],
        "DE",
        1260391,
    )


def test_relationship_properties_and_group_statements(db: Database, driver: Driver) -> None:
    small_import(db)
    record = driver.execute_query(
        "MATCH (:City {uid: 'sofia'})-[r:FACES]->(:Challenge {uid: 'tender-and-procurement-rules'}) RETURN r"
    ).records[0]["r"]
    assert record["group_statement"] is True
    assert record["group_quote"] == "The Follower Cities named the following challenges:"
    assert record["confidence"] == 0.6
    assert record["source_ids"] == ["doc-a"]
    assert record["quotes"] == ["tender regulations and procurement"]
    assert str(record["as_of"]) == "2017-10-02"
    role = driver.execute_query(
        "MATCH (:City {uid: 'burgas'})-[r:PARTICIPATES_IN]->(:Project {uid: 'sharing-cities'}) "
        "RETURN r.role AS role, r.role_label AS label"
    ).records[0]
    assert (role["role"], role["label"]) == ("follower", "fellow city")


def test_every_node_and_relationship_has_provenance(db: Database, driver: Driver) -> None:
    small_import(db)
    unsourced = driver.execute_query(
        "MATCH (n) WHERE NOT n:Source AND NOT n:KGMeta AND NOT n:ImportRun AND NOT (n)-[:SOURCED_FROM]->(:Source) RETURN n.uid AS uid"
    ).records
    assert unsourced == []
    bad = driver.execute_query(
        "MATCH ()-[r]->() WHERE NOT type(r) IN ['SOURCED_FROM', 'LOADED_BY'] AND (size(coalesce(r.source_ids, [])) = 0 "
        "OR size(r.source_ids) <> size(r.quotes)) RETURN type(r) AS t"
    ).records
    assert bad == []


def test_failed_import_leaves_the_graph_untouched(db: Database, driver: Driver, tmp_path: Path) -> None:
    small_import(db)
    fingerprint = graph_fingerprint(driver)
    broken = tmp_path / "seed"
    shutil.copytree(SMALL, broken)
    path = broken / "data" / "b.yaml"
    path.write_text(path.read_text().replace("quote: Fellow city Burgas}", "quote: Fellow city Varna}", 1))
    with pytest.raises(SeedValidationError):
        small_import(db, broken)
    assert graph_fingerprint(driver) == fingerprint


def test_reimport_removes_what_the_files_no_longer_state_and_keeps_curators_facts(
    db: Database, driver: Driver, tmp_path: Path
) -> None:
    root = tmp_path / "seed"
    shutil.copytree(SMALL, root)
    small_import(db, root)
    before = driver.execute_query("MATCH (m:KGMeta {key: 'kb'}) RETURN m.version AS v").records[0]["v"]
    # A curator confirms Lyon's ElectrYc implementation (a curated fact), then both facts leave the files.
    db.write(
        curation.link("IMPLEMENTED_IN", "Solution", "City"),
        source="electryc-citizen-club",
        target="lyon",
        props={},
        actor="alice",
        source_id=None,
        quote=None,
        note="confirmed with Lyon Confluence",
    )
    b = root / "data" / "b.yaml"
    b.write_text(
        b.read_text().replace(
            '  - {type: FACES, from: "City:burgas", to: "Challenge:tender-and-procurement-rules", quote: Fellow city Burgas faces difficult public procurement rules.}\n',
            "",
        )
    )
    a = root / "data" / "a.yaml"
    a.write_text(
        a.read_text().replace(
            """  - {type: IMPLEMENTED_IN, from: "Solution:electryc-citizen-club", to: "City:lyon", quote: "Lyon's ElectrYc citizen club"}\n""",
            "",
        )
    )
    report = small_import(db, root)
    assert report.removed == ["FACES City:burgas -> Challenge:tender-and-procurement-rules"]
    gone = driver.execute_query("MATCH (:City {uid: 'burgas'})-[r:FACES]->() RETURN count(r) AS n").records
    assert gone[0]["n"] == 0
    kept = driver.execute_query(
        "MATCH (:Solution {uid: 'electryc-citizen-club'})-[r:IMPLEMENTED_IN]->(:City {uid: 'lyon'}) "
        "RETURN r.updated_by AS by, r.curated AS curated"
    ).records
    assert [(r["by"], r["curated"]) for r in kept] == [("alice", True)]
    after = driver.execute_query("MATCH (m:KGMeta {key: 'kb'}) RETURN m.version AS v").records[0]["v"]
    assert after != before and after.startswith("kb-")
    assert small_import(db, root).removed == []  # a second run has nothing left to remove


def test_a_node_no_file_mentions_any_more_is_removed_with_its_facts(db: Database, tmp_path: Path) -> None:
    root = tmp_path / "seed"
    shutil.copytree(SMALL, root)
    small_import(db, root)
    a = root / "data" / "a.yaml"
    text = a.read_text()
    text = text.replace(
        "  - {label: Event, uid: p2p-workshop-munich-2017, name: Peer-to-peer workshop Munich, props: {kind: workshop, start_date: 2017-06-20}, quote: The workshop took place in Munich on 20 June 2017.}\n",
        "",
    ).replace(
        '  - {type: HELD_IN, from: "Event:p2p-workshop-munich-2017", to: "City:munich", quote: The workshop took place in Munich}\n',
        "",
    )
    a.write_text(text)
    report = small_import(db, root)
    assert report.removed == [
        "HELD_IN Event:p2p-workshop-munich-2017 -> City:munich",
        "SOURCED_FROM Event:p2p-workshop-munich-2017 -> Source:doc-a",
        "Event:p2p-workshop-munich-2017",
    ]
    assert count_nodes_by_label(db).get("Event", 0) == 0

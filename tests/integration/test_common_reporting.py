"""Common Reporting: the filled-in example (two periods, CSV and XLSX) with exact counts and values, the
solution's timeline in order (GraphQL and `kg timeline`), a second import changing nothing, bad rows named."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from importers.common_reporting import import_common_reporting
from importers.errors import RecordError
from importers.loader import LoadOptions
from kg.cli import app
from kg.cli.common import out
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder
from kg.replication import refresh_challenge_embeddings
from queries.system import count_nodes_by_label, count_relationships_by_type
from tests.conftest import point_at

TEMPLATES = Path(__file__).resolve().parents[2] / "importers" / "templates" / "common-reporting"
EXAMPLE_CSV = TEMPLATES / "common-reporting-example.csv"
EXAMPLE_XLSX = TEMPLATES / "common-reporting-example.xlsx"
SOLUTION = "example-heat-network"


def counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {
        k: v for k, v in count_nodes_by_label(db).items() if k not in ("ImportRun", "Resolution", "KGMeta")
    }
    return nodes, {k: v for k, v in count_relationships_by_type(db).items() if k != "LOADED_BY"}


EXPECTED = (
    {
        "Source": 2,
        "Project": 1,
        "City": 1,
        "Solution": 1,
        "StatusReport": 2,
        "Challenge": 2,
        "Driver": 2,
        "BestPractice": 2,
        "Organisation": 2,
    },
    {
        "IMPLEMENTED_IN": 1,
        "PART_OF": 1,
        "HAS_REPORT": 2,
        "REPORTS": 3,
        "ADDRESSES": 2,
        "DRIVEN_BY": 2,
        "LEARNED_FROM": 2,
        "PARTNER_IN": 2,
        "SOURCED_FROM": 20,
    },
)


@pytest.mark.parametrize("example", [EXAMPLE_CSV, EXAMPLE_XLSX], ids=["csv", "xlsx"])
def test_the_example_imports_with_exact_counts_and_values(db: Database, example: Path) -> None:
    report = import_common_reporting(db, example)
    assert report.skipped == []
    assert counts(db) == EXPECTED
    solution = db.read(
        "MATCH (s:Solution {uid: $uid}) RETURN s.status AS status, s.as_of AS as_of", uid=SOLUTION
    )
    assert [(r["status"], str(r["as_of"])) for r in solution] == [("under-construction", "2017-12-31")]
    addresses = db.read(
        "MATCH (:Solution {uid: $uid})-[r:ADDRESSES]->(c:Challenge) "
        "RETURN c.name AS barrier, c.category AS category, r.outcome AS outcome, r.note AS note, r.source_ids AS ids "
        "ORDER BY barrier",
        uid=SOLUTION,
    )
    assert [(r["barrier"], r["category"], r["outcome"], r["note"]) for r in addresses] == [
        ("high upfront investment", "financial", "solved", "regional fund grant awarded"),
        ("low tenant acceptance of retrofits", "social", "mitigated", "tenant information evenings"),
    ]
    assert addresses[0]["ids"] == ["example-common-reporting-p1", "example-common-reporting-p2"]
    again = import_common_reporting(db, example)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert again.removed == [] and counts(db) == EXPECTED


def test_the_timeline_returns_the_two_periods_in_order(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import_common_reporting(db, EXAMPLE_CSV)
    point_at(monkeypatch, neo4j_connection, tmp_path)
    query = """
    query { solutions(where: {uid: {eq: "example-heat-network"}}) { edges { node {
      timeline { node { period periodEnd status actions barriers { node { name } } sources { quote } } }
    } } } }
    """
    with TestClient(create_app(Settings())) as client:
        body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    periods = [edge["node"] for edge in body["data"]["solutions"]["edges"][0]["node"]["timeline"]]
    assert [(p["period"], p["periodEnd"], p["status"]) for p in periods] == [
        ("P1", "2017-06-30", "in_preparation"),
        ("P2", "2017-12-31", "under_construction"),
    ]
    assert [b["node"]["name"] for b in periods[0]["barriers"]] == [
        "high upfront investment",
        "low tenant acceptance of retrofits",
    ]
    assert periods[1]["sources"][0]["quote"].startswith("Construction started")
    monkeypatch.setattr(out, "width", 300)
    shown = CliRunner().invoke(app, ["timeline", "--solution", SOLUTION])
    assert shown.exit_code == 0, shown.output
    assert shown.output.index("P1") < shown.output.index("P2") and "under-construction" in shown.output


def test_a_bad_row_is_named_and_skipped_whole(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "report.csv"
    bad.write_text(
        EXAMPLE_CSV.read_text(encoding="utf-8").replace(
            ";P2;2017-12-31;under-construction;", ";P2;2017-12-31;built;"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match=r"report.csv: line 3: status: 'built' is not one of"):
        import_common_reporting(db, bad, LoadOptions(strict=True))
    assert counts(db) == ({}, {})
    report = import_common_reporting(db, bad)
    assert len(report.skipped) == 1 and counts(db)[0]["StatusReport"] == 1


def test_a_barrier_worded_like_an_existing_challenge_is_only_proposed(
    db: Database, embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    import_common_reporting(db, EXAMPLE_CSV)
    refresh_challenge_embeddings(db, embedder)
    later = tmp_path / "later-report.csv"
    header = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0]
    row = (
        "EXAMPLE SMART DISTRICT;Exampleton;DE;example-heat-network;District heating network, Nord;P3;2018-06-30;"
        "in-operation;operational;;;financial: high upfront investment costs;;;;example-common-reporting-p3.pdf;"
    )
    later.write_text(f"{header}\r\n{row}\r\n", encoding="utf-8")
    report = import_common_reporting(db, later, embedder=embedder)
    assert report.resolutions.get("Challenge semantic") == 1
    proposal = db.read(
        "MATCH (d:Resolution {method: 'semantic'}) RETURN d.status AS status, d.target AS target, d.created AS created"
    )
    assert proposal == [
        {
            "status": "pending",
            "target": "high-upfront-investment",
            "created": "high-upfront-investment-costs",
        }
    ]
    both = db.read("MATCH (c:Challenge) WHERE c.uid STARTS WITH 'high-upfront' RETURN count(c) AS n")
    assert both == [{"n": 2}]  # proposed, not merged

"""The SCC-01 programme on top of the seed: one node per city however it is spelled, every role sourced by the
pages that name it, what the notes say kept as structure, and every follower answering `kg match`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from importers.entities import fold
from importers.programme import DATA_DIR, DATASET, import_programme
from importers.report import ImportReport
from kg.cli import app
from kg.cli.common import out
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from queries.loading import LIST_RESOLUTIONS
from tests.conftest import point_at
from tests.seeding import seeded

# By hand (DATASET plus importers/data/seed/canonical.yaml): 104 role entries in the 17 projects with sources
# (44 lighthouse, 58 follower, 2 observer) name 103 distinct cities (Leipzig twice); 17 of them are seed cities
# (Amsterdam, Asenovgrad, Barcelona, Bordeaux, Burgas, Lisbon, London, Lyon, Milan, Munich, Santiago de
# Compostela, Sofia, Sonderborg, Valladolid, Venice, Vienna, Warsaw); Varna comes from a note. 21 + 103 - 17 + 1.
CITIES_BY_HAND = 108


@pytest.fixture(scope="module")
def programme(session_db: Database) -> ImportReport:
    report: ImportReport = seeded(session_db, "seed", "programme")[1]
    return report


def _dataset() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATASET.read_text(encoding="utf-8"))
    return data


def test_the_vendored_copy_is_the_recorded_one() -> None:
    recorded = (DATA_DIR / "scc01-lighthouse-programme.json.sha256").read_text().split()[0]
    assert hashlib.sha256(DATASET.read_bytes()).hexdigest() == recorded


def test_the_17_projects_with_sources_are_in_the_graph_ruggedised_is_not(
    programme: ImportReport, session_db: Database
) -> None:
    rows = session_db.read(
        "MATCH (p:Project)-[:SOURCED_FROM]->(s:Source {kind: 'web-page'}) RETURN collect(DISTINCT p.acronym) AS a"
    )
    assert len(rows[0]["a"]) == 17
    assert "Ruggedised" not in rows[0]["a"]
    assert any("Ruggedised" in problem and "no source" in problem for problem in programme.skipped)
    pages = {
        s["url"] for p in _dataset()["projects"] for s in p.get("sources", []) if s["url"].startswith("http")
    }
    stored = session_db.read("MATCH (s:Source {kind: 'web-page'}) RETURN collect(s.url) AS urls")[0]["urls"]
    assert pages <= set(stored)


def test_the_city_count_equals_the_hand_count(programme: ImportReport, session_db: Database) -> None:
    assert session_db.read("MATCH (c:City) RETURN count(c) AS n")[0]["n"] == CITIES_BY_HAND


@pytest.mark.parametrize(
    ("names", "country"),
    [
        (("Sonderborg", "Sønderborg"), "DK"),
        (("Munich", "München"), "DE"),
        (("Vienna", "Wien"), "AT"),
        (("Lisbon", "Lisboa"), "PT"),
        (("Kiev", "Kyiv"), "UA"),
        (("Leipzig",), "DE"),
        (("Valladolid",), "ES"),
        (("Amsterdam",), "NL"),
    ],
)
def test_named_pairs_are_one_node(
    programme: ImportReport, session_db: Database, names: tuple[str, ...], country: str
) -> None:
    cities = session_db.read(
        "MATCH (c:City {country: $country}) RETURN c.uid AS uid, c.name AS name, c.aliases AS aliases",
        country=country,
    )
    holders = {
        row["uid"]
        for row in cities
        for name in names
        if fold(name) in {fold(n) for n in [row["name"], *(row["aliases"] or [])]}
    }
    assert len(holders) == 1, holders


def test_leipzig_is_follower_in_triangulum_and_lighthouse_in_sparcs(
    programme: ImportReport, session_db: Database
) -> None:
    roles = session_db.read(
        "MATCH (:City {uid: 'leipzig'})-[r:PARTICIPATES_IN]->(p:Project) RETURN p.acronym AS p, r.role AS role, r.note AS note ORDER BY p"
    )
    assert [(r["p"], r["role"]) for r in roles] == [("SPARCS", "lighthouse"), ("Triangulum", "follower")]
    assert "SPARCS lighthouse" in roles[1]["note"]


def test_varna_is_a_former_mysmartlife_follower_from_the_2017_newsletter(
    programme: ImportReport, session_db: Database
) -> None:
    role = session_db.read(
        "MATCH (:City {uid: 'varna'})-[r:PARTICIPATES_IN]->(:Project {acronym: 'mySMARTLife'}) RETURN r"
    )[0]["r"]
    assert (
        role["former"] is True
        and role["role"] == "follower"
        and "absent from the later cities page" in role["note"]
    )
    assert role["quotes"] == ["four Follower Cities (Bydgoszcz, Rijeka, Varna and Palencia)"]


def test_roles_cite_the_quote_that_names_the_city_else_the_project_at_low_confidence(
    programme: ImportReport, session_db: Database
) -> None:
    litomerice = session_db.read(
        "MATCH (c:City {name: 'Litoměřice'})-[r:PARTICIPATES_IN]->() RETURN r.quotes AS q, r.confidence AS c, r.records AS rec"
    )[0]
    assert litomerice["c"] == 0.9 and all("Litomerice" in q for q in litomerice["q"])
    assert litomerice["rec"] == ["scc01-lighthouse-programme#projects[10].follower_cities[3]"]
    cluj = session_db.read(
        "MATCH (c:City {name: 'Cluj-Napoca'})-[r:PARTICIPATES_IN]->() RETURN size(r.quotes) AS n"
    )[0]
    assert cluj["n"] == 2  # two of STARDUST's three pages name it
    weaker = session_db.read(
        "MATCH (:City)-[r:PARTICIPATES_IN]->(:Project {acronym: 'REMOURBAN'}) RETURN max(r.confidence) AS c, collect(r.note) AS notes"
    )[0]
    assert weaker["c"] <= 0.5 and all("WEAKER PROVENANCE" in note for note in weaker["notes"])
    unnamed = session_db.read(
        "MATCH (:City)-[r:PARTICIPATES_IN]->(:Project) WHERE r.confidence <= 0.4 AND 'programme' IN r.imported_by "
        "RETURN count(r) AS n, all(x IN collect(r.note) WHERE x CONTAINS 'No quote') AS noted"
    )[0]
    assert unnamed["noted"] is True
    shared = session_db.read(
        "MATCH (:City {uid: 'munich'})-[r:PARTICIPATES_IN]->(:Project {uid: 'smarter-together'}) RETURN r.imported_by AS by, r.source_ids AS ids"
    )[0]
    assert sorted(shared["by"]) == ["programme", "seed"] and len(shared["ids"]) >= 2


def test_every_decision_is_recorded_and_near_spellings_wait_for_review(
    programme: ImportReport, session_db: Database
) -> None:
    decisions = session_db.read(
        "MATCH (d:Resolution) RETURN d.method AS method, d.status AS status, d.name AS name, d.target AS target"
    )
    assert programme.resolutions == {
        "City name": 17,
        "City new": 86,
        "City similar-name": 1,
        "Project grant-agreement": 1,
        "Project name": 2,
        "Project new": 14,
    }
    pending = [(d["name"], d["target"]) for d in decisions if d["status"] == "pending"]
    assert pending == [("Valencia", "palencia")]


def test_a_second_import_changes_nothing(programme: ImportReport, session_db: Database) -> None:
    again = import_programme(session_db)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert again.removed == [] and again.withdrawn == []
    pending = session_db.read("MATCH (d:Resolution {status: 'pending'}) RETURN d.name AS name")
    assert pending == [
        {"name": "Valencia"}
    ]  # the queue waits for a curator, however often the source is read


def test_every_follower_of_the_dataset_answers_kg_match(
    programme: ImportReport,
    neo4j_connection: Neo4jConnection,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    point_at(monkeypatch, neo4j_connection, tmp_path)
    runner = CliRunner()
    followers = [c["name"] for p in _dataset()["projects"] for c in p.get("follower_cities", [])]
    assert len(followers) == 58
    failed = {}
    for name in followers:
        result = runner.invoke(app, ["match", "--follower", name, "--top", "1"])
        if result.exit_code != 0:
            failed[name] = result.output[-200:]
    assert failed == {}


def test_why_runs_and_the_review_queue_from_the_cli(
    programme: ImportReport,
    neo4j_connection: Neo4jConnection,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    point_at(monkeypatch, neo4j_connection, tmp_path)
    runner = CliRunner()
    monkeypatch.setattr(out, "width", 400)  # whole passages on one line of the table
    why = runner.invoke(app, ["why", "leipzig"])
    assert why.exit_code == 0, why.output
    assert "Follower Cities of Prague, Leipzig and Sabadell" in why.output
    assert "-[PARTICIPATES_IN]-> Project:triangulum" in why.output and "programme:" in why.output
    assert runner.invoke(app, ["why", "atlantis"]).exit_code == 4
    runs = runner.invoke(app, ["import", "runs", "--json"])
    assert runs.exit_code == 0 and {"seed", "programme"} <= {r["importer"] for r in json.loads(runs.output)}
    queue = runner.invoke(app, ["resolve", "--list"], terminal_width=240)
    assert queue.exit_code == 0 and "Valencia" in queue.output and "palencia" in queue.output
    with Database.open(neo4j_connection) as db:
        uid = db.read(LIST_RESOLUTIONS, status="pending", importer=None)[0]["uid"]
        rejected = runner.invoke(app, ["resolve", "--reject", uid])
        assert rejected.exit_code == 0 and "stays apart" in rejected.output
        assert db.read(LIST_RESOLUTIONS, status="pending", importer=None) == []
        again = import_programme(db)
        assert again.resolutions.get("City similar-name", 0) == 0 and again.removed == []


def test_accepting_a_pending_decision_merges_the_node_at_the_next_import(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    point_at(monkeypatch, neo4j_connection, tmp_path)
    import_programme(db)
    uid = db.read(LIST_RESOLUTIONS, status="pending", importer=None)[0]["uid"]
    # Valencia is not Palencia: the curator is wrong here on purpose, the mechanism is what is tested.
    accepted = CliRunner().invoke(app, ["resolve", "--accept", uid])
    assert accepted.exit_code == 0, accepted.output
    alias_file = tmp_path / ".kg" / "aliases.yaml"
    assert "Valencia" in alias_file.read_text()
    report = import_programme(db, alias_file=alias_file)
    assert "City:valencia" in report.removed
    roles = db.read(
        "MATCH (:City {uid: 'palencia'})-[r:PARTICIPATES_IN]->(p:Project) RETURN collect(p.acronym) AS p"
    )
    assert sorted(roles[0]["p"]) == ["MAtchUP", "mySMARTLife"]
    assert db.read("MATCH (d:Resolution {uid: $uid}) RETURN d.status AS s", uid=uid) == [{"s": "accepted"}]

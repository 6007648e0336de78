"""CORDIS, both layouts: exact counts and values from fixture files true to each (quoting, `;` inside fields,
empty fields, a duplicate row, BOM, CRLF, decimal comma, EU country codes), filters, grant-number resolution onto
the programme's projects, idempotency and bad input named by file, line and column."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from importers.cordis import CordisFilters, import_cordis
from importers.errors import InputFileError, RecordError
from importers.loader import LoadOptions
from importers.programme import import_programme
from kg.core.database import Database
from queries.system import count_nodes_by_label, count_relationships_by_type

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cordis"
LEGACY = FIXTURES / "h2020projects-legacy.csv"
PAIR = FIXTURES / "cordis-h2020projects-pair.zip"


def counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {
        k: v for k, v in count_nodes_by_label(db).items() if k not in ("ImportRun", "Resolution", "KGMeta")
    }
    return nodes, {k: v for k, v in count_relationships_by_type(db).items() if k != "LOADED_BY"}


def test_the_legacy_file_imports_with_exact_counts_and_values(db: Database) -> None:
    report = import_cordis(db, LEGACY)
    assert report.skipped == [f"{LEGACY}: line 12: id: duplicate of line 4: skipped"]
    assert counts(db) == (
        {"Source": 1, "Project": 11, "Organisation": 26},
        {"PARTNER_IN": 27, "SOURCED_FROM": 37},
    )
    smartencity = db.read(
        "MATCH (p:Project {grant_agreement: '691883'}) RETURN p.acronym AS a, p.full_name AS t, p.start_date AS s, "
        "p.call AS call, p.description AS d"
    )[0]
    assert (smartencity["a"], str(smartencity["s"]), smartencity["call"]) == (
        "SmartEnCity",
        "2016-02-01",
        "H2020-SCC-2015",
    )
    assert (
        smartencity["d"] == "Vitoria-Gasteiz, Tartu and Sonderborg; a systemic approach"
    )  # a ';' inside quotes
    agri = db.read("MATCH (p:Project {grant_agreement: '101000001'}) RETURN p.full_name AS t")[0]
    assert agri["t"] == "Agriculture; soils; water"
    roles = db.read(
        "MATCH (o:Organisation)-[r:PARTNER_IN]->(:Project {grant_agreement: '646578'}) "
        "RETURN o.name AS name, o.country AS country, r.role AS role, r.records AS records ORDER BY name"
    )
    assert [(r["name"], r["country"], r["role"]) for r in roles] == [
        ("FRAUNHOFER GESELLSCHAFT ZUR FOERDERUNG DER ANGEWANDTEN FORSCHUNG E.V.", "DE", "coordinator"),
        ("STAVANGER KOMMUNE", "NO", "participant"),
        ("THE UNIVERSITY OF MANCHESTER", "GB", "participant"),  # CORDIS writes UK
    ]
    assert roles[0]["records"] == ["cordis-h2020projects-legacy-csv#h2020projects-legacy.csv line 3"]
    cartif = db.read(
        "MATCH (o:Organisation {name: 'FUNDACION CARTIF'})-[:PARTNER_IN]->(p) RETURN count(p) AS n"
    )
    assert cartif == [{"n": 2}]  # one organisation, by name and country, in two projects
    before = counts(db)
    again = import_cordis(db, LEGACY)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert again.removed == [] and counts(db) == before


def test_the_zipped_pair_keys_organisations_by_id_and_resolves_their_cities(db: Database) -> None:
    report = import_cordis(db, PAIR)
    assert report.skipped == [
        f"{PAIR}!organization.csv: line 9: projectID: unknown reference: project 111111 is not in project.csv"
    ]
    assert counts(db) == (
        {"Source": 1, "Project": 2, "Organisation": 6, "City": 5},
        {"PARTNER_IN": 6, "LOCATED_IN": 6, "SOURCED_FROM": 13},
    )
    munich = db.read(
        "MATCH (o:Organisation {uid: 'cordis-999990001'})-[r:PARTNER_IN]->(p:Project) MATCH (o)-[:LOCATED_IN]->(c:City) "
        "RETURN o.kind AS kind, o.short_name AS short, o.geolocation AS geo, r.role AS role, r.contribution AS eu, "
        "p.acronym AS project, c.name AS city, c.aliases AS aliases"
    )[0]
    assert munich == {
        "kind": "public-body",
        "short": "LHM",
        "geo": "(48.1374,11.5755)",
        "role": "coordinator",
        "eu": 3500000.75,
        "project": "SMARTER TOGETHER",
        "city": "Muenchen",
        "aliases": ["Munich"],
    }
    siemens = db.read(
        "MATCH (o:Organisation {name: 'SIEMENS AG'})-[r:PARTNER_IN]->() RETURN r.role AS role, r.contribution AS eu"
    )
    assert siemens == [{"role": "third-party", "eu": None}]
    again = import_cordis(db, PAIR)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0


def test_filters_take_only_the_smart_city_projects(db: Database) -> None:
    import_cordis(db, LEGACY, filters=CordisFilters(topic_prefixes=("SCC",)))
    acronyms = db.read("MATCH (p:Project) RETURN p.acronym AS a ORDER BY a")
    assert [r["a"] for r in acronyms] == [
        "IRIS",
        "MAtchUP",
        "STARDUST",
        "Sharing Cities",
        "SmartEnCity",
        "Triangulum",
        "mySMARTLife",
    ]
    db.write("MATCH (n) DETACH DELETE n")
    import_cordis(db, LEGACY, filters=CordisFilters(acronyms=("atelier",), grant_ids=("864374",)))
    assert db.read("MATCH (p:Project) RETURN p.acronym AS a") == [{"a": "ATELIER"}]


def test_a_programme_project_gets_its_partners_without_a_duplicate(db: Database) -> None:
    import_programme(db)
    projects = count_nodes_by_label(db)["Project"]
    report = import_cordis(db, PAIR)
    assert report.nodes_created.get("Project", 0) == 0 and report.resolutions["Project grant-agreement"] == 2
    assert count_nodes_by_label(db)["Project"] == projects
    partners = db.read(
        "MATCH (o:Organisation)-[:PARTNER_IN]->(p:Project {grant_agreement: '691876'}) "
        "RETURN p.uid AS uid, count(o) AS n"
    )
    assert partners == [{"uid": "smarter-together", "n": 4}]
    vienna = db.read("MATCH (:Organisation {name: 'STADT WIEN'})-[:LOCATED_IN]->(c:City) RETURN c.uid AS uid")
    assert vienna == [{"uid": "vienna"}]  # the programme's Vienna, found through GeoNames (Wien)


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


HEADER = "id;acronym;title;topics\r\n"


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"", InputFileError, "the file is empty"),
        ("rcn;acronym;title\r\n1;A;B\r\n", InputFileError, ":1: missing required column(s) id"),
        (HEADER + '1;"A;B\r\n', InputFileError, "broken quoting"),
        (HEADER.encode() + b"1;ACR;caf\xe9;X\r\n", InputFileError, ":2:"),
        (
            HEADER + "1;ACR;bad\x1atitle;X\r\n",
            RecordError,
            "line 2: title: control character U+001A at column 4",
        ),
        (HEADER + "x1;ACR;t;X\r\n", RecordError, "line 2: id: 'x1' is not a grant agreement number"),
    ],
)
def test_bad_input_names_file_line_and_column_and_writes_nothing(
    db: Database, tmp_path: Path, content: str | bytes, error: type[Exception], message: str
) -> None:
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(error) as raised:
        import_cordis(db, path, LoadOptions(strict=True))
    assert str(path) in str(raised.value) and message in str(raised.value)
    assert counts(db) == ({}, {})


def test_a_bad_record_is_skipped_by_default_and_the_rest_loads(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "some-bad.csv", HEADER + "1;GOOD;t;X\r\n2;BAD;bad\x1a;X\r\n")
    report = import_cordis(db, path)
    assert report.nodes_created == {"Source": 1, "Project": 1}
    assert report.skipped == [f"{path}: line 3: title: control character U+001A at column 4"]


def test_archives_over_max_bytes_or_without_their_members_are_refused(db: Database, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.csv", HEADER + "1;A;t;X\r\n" * 20_000)
        archive.writestr("organization.csv", "projectID;organisationID;name;country;role\r\n")
    assert bomb.stat().st_size < 10_000
    with pytest.raises(InputFileError, match="unpacks to more than 10,000 bytes"):
        import_cordis(db, bomb, LoadOptions(max_bytes=10_000))
    lonely = tmp_path / "only-projects.zip"
    with zipfile.ZipFile(lonely, "w") as archive:
        archive.writestr("project.csv", HEADER)
    with pytest.raises(InputFileError, match=r"has no organization\.csv"):
        import_cordis(db, lonely)


def test_the_json_form_of_the_legacy_layout(db: Database) -> None:
    report = import_cordis(db, FIXTURES / "h2020projects-legacy.json")
    assert report.skipped == []
    assert counts(db) == (
        {"Source": 1, "Project": 3, "Organisation": 10},
        {"PARTNER_IN": 10, "SOURCED_FROM": 13},
    )
    assert db.read("MATCH (p:Project {grant_agreement: '691895'}) RETURN p.acronym AS a") == [
        {"a": "Sharing Cities"}
    ]

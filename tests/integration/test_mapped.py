"""Mapped tables: the two worked examples (a German grants table, an English member list naming its source per
row) with exact counts and values, the same table as XLSX, a second import changing nothing, and bad mappings
and cells named by file, line and column."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from importers.errors import InputFileError, RecordError
from importers.loader import LoadOptions
from importers.mapped import import_mapped
from kg.core.database import Database
from queries.system import count_nodes_by_label, count_relationships_by_type
from schema.tablemapping import SCHEMA_PATH, render

EXAMPLES = Path(__file__).resolve().parents[2] / "importers" / "templates" / "mapped"
GRANTS = (EXAMPLES / "foerderkatalog-example.csv", EXAMPLES / "foerderkatalog-example.yaml")
MEMBERS = (EXAMPLES / "network-members-example.csv", EXAMPLES / "network-members-example.yaml")


def counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {
        k: v for k, v in count_nodes_by_label(db).items() if k not in ("ImportRun", "Resolution", "KGMeta")
    }
    return nodes, {k: v for k, v in count_relationships_by_type(db).items() if k != "LOADED_BY"}


def test_the_mapping_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run `python -m schema.tablemapping`"


def test_a_grants_table_with_german_headers(db: Database) -> None:
    report = import_mapped(db, *GRANTS)
    assert report.skipped == []
    assert counts(db) == (
        {"Source": 1, "Project": 3, "Organisation": 5, "City": 3},
        {"PARTNER_IN": 5, "LOCATED_IN": 5, "SOURCED_FROM": 11},
    )
    swivt = db.read(
        "MATCH (o:Organisation {name: 'Universität Leipzig'})-[r:PARTNER_IN]->(p:Project {acronym: 'SWIVT'}) "
        "MATCH (o)-[:LOCATED_IN]->(c:City) RETURN r.role AS role, r.role_label AS label, r.contribution AS eu, "
        "r.records AS records, p.start_date AS start, p.programme AS programme, c.name AS city"
    )[0]
    assert (swivt["role"], swivt["label"], swivt["eu"], str(swivt["start"]), swivt["city"]) == (
        "participant",
        "Partner",
        480500.5,
        "2019-04-01",
        "Leipzig",
    )
    assert swivt["programme"] == "Förderkatalog des Bundes"
    assert swivt["records"] == ["foerderkatalog-example#foerderkatalog-example.csv line 3"]
    before = counts(db)
    again = import_mapped(db, *GRANTS)
    assert sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert again.removed == [] and counts(db) == before


def test_a_member_list_naming_its_source_per_row(db: Database) -> None:
    import_mapped(db, *MEMBERS)
    assert counts(db) == (
        {"Source": 2, "City": 3, "Network": 2},
        {"MEMBER_OF": 4, "SOURCED_FROM": 6},
    )
    rows = db.read(
        "MATCH (c:City)-[r:MEMBER_OF]->(n:Network)-[:SOURCED_FROM]->(s:Source) WHERE s.uid IN r.source_ids "
        "RETURN c.uid AS city, n.uid AS network, n.kind AS kind, r.note AS note, s.url AS url ORDER BY city, network"
    )
    assert [(r["city"], r["network"], r["note"], r["url"]) for r in rows] == [
        ("gabrovo", "covenant-of-mayors", None, "https://example.org/covenant"),
        ("lecce", "eurocities", "member since 2016", "https://example.org/eurocities-members"),
        ("tartu", "covenant-of-mayors", "member since 2012", "https://example.org/covenant"),
        ("tartu", "eurocities", "member since 2015", "https://example.org/eurocities-members"),
    ]
    assert {r["kind"] for r in rows} == {"city-network"}


def test_the_same_table_as_xlsx_gives_the_same_graph(db: Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    with MEMBERS[0].open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream):
            sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    xlsx = tmp_path / "network-members-example.xlsx"
    book.save(xlsx)
    mapping = tmp_path / "members.yaml"
    mapping.write_text(MEMBERS[1].read_text(encoding="utf-8").replace('table: {delimiter: ","}', "table: {}"))
    import_mapped(db, xlsx, mapping)
    assert counts(db) == ({"Source": 2, "City": 3, "Network": 2}, {"MEMBER_OF": 4, "SOURCED_FROM": 6})
    note = db.read("MATCH (:City {uid: 'lecce'})-[r:MEMBER_OF]->() RETURN r.note AS note")
    assert note == [{"note": "member since 2016"}]


def test_a_bad_cell_is_named_and_skipped_whole_or_stops_a_strict_import(db: Database, tmp_path: Path) -> None:
    table = tmp_path / "grants.csv"
    text = (
        GRANTS[0]
        .read_text(encoding="utf-8")
        .replace("01.04.2019;31.03.2023;480.500,50", "2019-04-01;31.03.2023;480.500,50")
    )
    table.write_text(text, encoding="utf-8")
    with pytest.raises(RecordError, match=r"grants.csv: line 3: Laufzeit von: '2019-04-01' does not match"):
        import_mapped(db, table, GRANTS[1], LoadOptions(strict=True))
    assert counts(db) == ({}, {})
    report = import_mapped(db, table, GRANTS[1])
    assert len(report.skipped) == 1
    gone = db.read("MATCH (o:Organisation {name: 'Universität Leipzig'}) RETURN count(o) AS n")
    assert gone == [{"n": 0}]  # nothing of the bad row, not even its organisation


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("column: Ort", "column: Stadt"), r"names column\(s\) the table lacks: Stadt"),
        (("label: City", "label: Planet"), "nodes.city.label"),
        (
            (
                "{type: LOCATED_IN, from: recipient, to: city}",
                "{type: LOCATED_IN, from: city, to: recipient}",
            ),
            "LOCATED_IN does not link City to Organisation",
        ),
        (("to: project", "to: nowhere"), "no node 'nowhere'"),
    ],
)
def test_a_bad_mapping_is_refused_before_any_row(
    db: Database, tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    mapping = tmp_path / "mapping.yaml"
    text = GRANTS[1].read_text(encoding="utf-8")
    assert edit[0] in text
    mapping.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        import_mapped(db, GRANTS[0], mapping)
    assert counts(db) == ({}, {})

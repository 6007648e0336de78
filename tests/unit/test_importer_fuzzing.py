"""Hypothesis over the importers' parsers: whatever bytes or records arrive, a parser answers rows, or an error that
names the file, the record and the field (InputFileError, RecordError); never another exception."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import SyntheticKnowledgeBase, write_kgjson
from importers.errors import InputFileError, RecordError
from importers.kgjson import _validators, kgjson_plan
from importers.tables import amount, decode_fields, parse_csv, parse_json_records, split_list

FILE = Path("fuzz/table.csv")
HEADERS = ["id", "acronym", "title", "ecMaxContribution"]
cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", quotechar='"').writerows([HEADERS, *rows])
    return out.getvalue()


@FUZZ
@given(raw=st.binary(max_size=400))
def test_raw_bytes_parse_or_are_refused_naming_the_file(raw: bytes) -> None:
    try:
        text = decode_fields(FILE, raw)
        headers, _, errors = parse_csv(FILE, text, {"id"})
    except InputFileError as error:
        assert str(FILE) in str(error)
        return
    assert "id" in headers
    assert all(str(FILE) in str(e) and "line " in str(e) for e in errors)


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=6), max_size=8))
def test_records_are_rows_or_errors_naming_line_and_column(rows: list[list[str]]) -> None:
    try:
        _, records, errors = parse_csv(FILE, csv_text(rows), set(HEADERS))
    except InputFileError as error:  # the header is fine, so only broken quoting can get here
        assert str(FILE) in str(error)
        return
    for problem in errors:
        assert isinstance(problem, RecordError)
        message = str(problem)
        assert str(FILE) in message and "line " in message
    for record in records:
        assert set(record.values) <= set(HEADERS)
        assert all("\x00" not in value for value in record.values.values())


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | cells,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(cells, children, max_size=4),
    max_leaves=15,
)


@FUZZ
@given(document=json_values)
def test_json_records_are_parsed_or_refused_naming_the_file(document: Any) -> None:
    try:
        _, records, _ = parse_json_records(FILE, json.dumps(document), {"id"})
    except InputFileError as error:
        assert str(FILE) in str(error)
        return
    assert isinstance(document, list) and len(records) == len(document)


@FUZZ
@given(value=cells)
def test_amounts_and_lists_parse_or_raise_value_error(value: str) -> None:
    try:
        parsed = amount(value)
    except ValueError as error:
        assert repr(value)[:20] in str(error) or "amount" in str(error)
    else:
        assert parsed is None or isinstance(parsed, float)
    assert all(part and ";" not in part for part in split_list(value))


kgjson_nodes = st.fixed_dictionaries(
    {"label": st.sampled_from(["City", "Project", "Source", "Nope", ""]) | json_values, "uid": cells},
    optional={"properties": st.dictionaries(cells, json_values, max_size=3), "provenance": json_values},
)
kgjson_documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"format": st.just("kg-json"), "version": st.just(1), "nodes": st.lists(kgjson_nodes, max_size=4)},
        optional={"relationships": st.lists(st.dictionaries(cells, json_values, max_size=4), max_size=3)},
    ),
)


@FUZZ
@given(document=kgjson_documents)
def test_kgjson_files_are_planned_or_refused_naming_the_file_and_record(
    tmp_path_factory: Any, document: Any
) -> None:
    path = tmp_path_factory.mktemp("kgjson") / "fuzz.kg.json"
    path.write_text(json.dumps(document))
    try:
        plan = kgjson_plan(path)
    except (InputFileError, RecordError) as error:
        assert path.name in str(error)
        return
    assert all(path.name in str(problem) for problem in plan.skipped)


def test_a_planned_kgjson_file_names_its_skipped_records(tmp_path: Path) -> None:
    """The fuzzer's success path, once by hand: a good node planned, an unknown label skipped by name."""
    path = tmp_path / "two.kg.json"
    good = {"label": "City", "uid": "x", "properties": {"name": "X"}}
    path.write_text(
        json.dumps({"format": "kg-json", "version": 1, "nodes": [good, {"label": "Nope", "uid": "y"}]})
    )
    plan = kgjson_plan(path)
    assert [row.uid for row in plan.nodes] == ["x"]
    [skipped] = plan.skipped
    assert path.name in str(skipped) and "Nope" in str(skipped)


@pytest.fixture(scope="module")
def generated_records(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    """Valid records of every label and type: the synthetic S knowledge base (benchmarks/generate.py)."""
    written = write_kgjson(SyntheticKnowledgeBase("S", 1), tmp_path_factory.mktemp("kb") / "S.kg.json")
    document = json.loads(written.path.read_text())
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, key, items in (
        ("node", "label", document["nodes"]),
        ("rel", "type", document["relationships"]),
    ):
        for item in items:
            chosen.setdefault((kind, item[key]), item)
    return [(kind, item) for (kind, _), item in sorted(chosen.items(), key=lambda entry: entry[0])]


TRICKY_VALUES = st.sampled_from(
    [
        "",
        "x\n",
        "FR\n",
        "fr",
        "City:lyon\n",
        "2017-02-30",
        "2017-10-02T25:00:00Z",
        "2017-10-02",
        -1,
        1.0,
        1.5,
        None,
    ]
)


@FUZZ
@given(data=st.data())
def test_the_compiled_check_never_accepts_a_record_jsonschema_refuses(
    generated_records: list[tuple[str, dict[str, Any]]], data: st.DataObject
) -> None:
    """jsonschema-rs decides first (speed); it must never let through what jsonschema, whose verdict and messages
    kg publishes, refuses. Valid records of every label and type, with one value replaced or removed."""
    kind, record = data.draw(st.sampled_from(generated_records))
    mutated = json.loads(json.dumps(record))
    target = mutated if data.draw(st.booleans()) or not mutated.get("properties") else mutated["properties"]
    key = data.draw(st.sampled_from(sorted(target)))
    if data.draw(st.booleans()):
        del target[key]
    else:
        target[key] = data.draw(TRICKY_VALUES | json_values)
    nodes, relationships = _validators()
    validator = nodes if kind == "node" else relationships
    chosen = validator.checker_for(mutated)
    if chosen.fast.is_valid(mutated):
        assert chosen.explaining.is_valid(mutated), (kind, key, target.get(key))
    assert chosen.explaining.is_valid(record) and chosen.fast.is_valid(record)
    assert (validator.problem(mutated) is None) == chosen.explaining.is_valid(mutated)

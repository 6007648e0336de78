"""Parity: every view derived from the graph model agrees with the declaration, label by label and relationship by
relationship — constraints and indexes, the allowlists, the seed file's entry models, curator validation, the
compiler's read model and the GraphQL types. The drift these tests would have caught: relationships the seed
data uses that the model did not declare, and vocabularies no write path enforced."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from strawberry.types.base import get_object_definition

from api.graphql.graph import build_graph_types
from importers.seed import read_dataset
from importers.seed_model import ENTRY_LABELS, NODE_ENTRIES, RELATIONSHIP_ENTRIES, SourceEntry
from queries import allowlist
from queries.graph_read import read_model
from schema import graph_model, schema_items
from schema.graph import operational_labels
from schema.models import NODE_MODELS, RelType
from schema.naming import camel_case, snake_case
from schema.narrowings import ENTRY_FIELDS, SEED_ENTRY_EXCLUDED, Writer, edge_properties, node_properties
from schema.validation import edge_model, field_errors, properties_model

MODEL = graph_model()


def _fields(cls: type) -> list[Any]:
    definition = get_object_definition(cls, strict=True)
    return list(definition.fields)


LABELS = sorted(MODEL.labels)
REL_DECLARATIONS = sorted(
    (label, name) for label, spec in MODEL.labels.items() for name in spec.relationships
)


def test_every_neomodel_class_is_a_label() -> None:
    assert sorted(model.__name__ for model in NODE_MODELS) == LABELS


@pytest.mark.parametrize("label", LABELS)
def test_constraints_and_indexes_follow_the_declaration(label: str) -> None:
    items = {item.name for item in schema_items()}
    prefix = snake_case(label)
    for name, spec in MODEL.labels[label].properties.items():
        assert (f"{prefix}_{name}_unique" in items) is spec.unique, name
        assert (f"{prefix}_{name}_index" in items) is (spec.indexed and not spec.unique), name
        assert (f"{prefix}_{name}_vector" in items) is (spec.kind == "vector"), name


def test_no_constraint_or_index_without_a_declaration() -> None:
    declared = {"kg_meta_key_unique", "kg_names_fulltext"}
    for label, spec in [*MODEL.labels.items(), *operational_labels().items()]:
        for name, prop in spec.properties.items():
            suffix = "unique" if prop.unique else "vector" if prop.kind == "vector" else "index"
            if prop.unique or prop.indexed or prop.kind == "vector":
                declared.add(f"{snake_case(label)}_{name}_{suffix}")
    assert {item.name for item in schema_items()} == declared


def test_allowlists_are_the_declaration() -> None:
    for label in LABELS:
        assert allowlist.label(label) == label
    with pytest.raises(allowlist.UnknownNameError):
        allowlist.label("Planet")
    assert set(MODEL.endpoints) == {t.value for t in RelType}
    for rel_type in RelType:
        assert allowlist.rel_type(rel_type.value) == rel_type.value


@pytest.mark.parametrize(("label", "field"), REL_DECLARATIONS)
def test_every_relationship_declaration_is_allowed_readable_and_typed(label: str, field: str) -> None:
    rel = MODEL.labels[label].relationships[field]
    start, end = rel.stored_as(label)
    assert MODEL.allows(rel.rel_type.value, start, end)
    assert MODEL.edges[rel.rel_type.value] == rel.edge
    read = read_model()[label].rels[camel_case(field)]
    assert (read.rel_type, read.direction, read.target) == (rel.rel_type.value, rel.direction, rel.target)
    node_type = TYPES.labels[label].node
    graphql_fields = {f.name for f in _fields(node_type)}
    assert field in graphql_fields
    edge_type = TYPES.labels[label].rel_edges[camel_case(field)]
    edge_fields = {f.name for f in _fields(edge_type)}
    visible = {n for n, p in rel.edge.items() if not p.hidden}
    assert edge_fields == visible | {"node"}


TYPES = build_graph_types()


@pytest.mark.parametrize("label", LABELS)
def test_graphql_types_and_filters_follow_the_declaration(label: str) -> None:
    spec = MODEL.labels[label]
    visible = {n for n, p in spec.properties.items() if not p.hidden and p.kind != "vector"}
    types = TYPES.labels[label]
    node_fields = {f.name: f for f in _fields(types.node)}
    assert set(node_fields) == {"id"} | visible | set(spec.relationships)
    where_fields = {f.name for f in _fields(types.where)}
    assert where_fields == visible | set(spec.relationships) | {"AND", "OR", "NOT"}
    for prop in spec.properties.values():
        if prop.vocabulary is not None and not prop.hidden:
            enum = TYPES.vocabularies[prop.vocabulary].enum
            assert [member.value for member in enum] == [v.value for v in prop.vocabulary]


@pytest.mark.parametrize("label", ENTRY_LABELS)
def test_seed_entry_props_are_the_declaration_minus_the_narrowings(label: str) -> None:
    props = NODE_ENTRIES[label].model_fields["props"].annotation
    assert props is not None
    declared = {n for n, p in MODEL.labels[label].properties.items() if not p.managed}
    expected = declared - ENTRY_FIELDS - SEED_ENTRY_EXCLUDED.get(label, {}).keys()
    assert set(props.model_fields) == expected == set(node_properties(label, "seed"))


def test_narrowings_name_declared_properties_only() -> None:
    for label, excluded in SEED_ENTRY_EXCLUDED.items():
        assert set(excluded) <= set(MODEL.labels[label].properties), label


def test_the_source_entry_holds_source_properties_only() -> None:
    own = set(SourceEntry.model_fields) - {"quote"}  # the quote is the entry's provenance
    assert own <= set(MODEL.labels["Source"].properties)


@pytest.mark.parametrize("rel_type", sorted(RELATIONSHIP_ENTRIES, key=str))
def test_relationship_entries_take_the_edge_properties_and_the_declared_endpoints(rel_type: RelType) -> None:
    entry = RELATIONSHIP_ENTRIES[rel_type]
    props = entry.model_fields["props"].annotation
    assert props is not None and set(props.model_fields) == set(edge_properties(rel_type.value))
    for start, end in sorted(MODEL.endpoints[rel_type.value]):
        entry.model_validate(_entry(rel_type, start, end))
    pairs = [(a, b) for a in ENTRY_LABELS for b in ENTRY_LABELS]
    undeclared = next((pair for pair in pairs if not MODEL.allows(rel_type.value, *pair)), None)
    if undeclared is not None:
        with pytest.raises(ValidationError, match="cannot link"):
            entry.model_validate(_entry(rel_type, *undeclared))


def _entry(rel_type: RelType, start: str, end: str) -> dict[str, Any]:
    """A seed relationship entry with the least it needs."""
    return {
        "type": rel_type.value,
        "from": f"{start}:a",
        "to": f"{end}:b",
        "quote": "a quote",
        "props": _valid_edge(rel_type.value),
    }


def _valid_edge(rel_type: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in edge_properties(rel_type).items():
        if spec.required:
            values[name] = spec.choices[0] if spec.choices else "x"
    return values


def test_every_relationship_the_seed_data_uses_is_declared() -> None:
    # The drift of issue 8: Event-ORGANISED_BY->Network, Event-DISCUSSED->BestPractice and
    # BestPractice-LEARNED_FROM->Solution were used by the files but not declared.
    dataset = read_dataset()
    used = {
        (rel.type.value, rel.source.label, rel.target.label)
        for document in dataset.documents.values()
        for rel in document.relationships
    }
    assert {u for u in used if not MODEL.allows(*u)} == set()
    assert {
        ("ORGANISED_BY", "Event", "Network"),
        ("DISCUSSED", "Event", "BestPractice"),
        ("LEARNED_FROM", "BestPractice", "Solution"),
    } <= used


@pytest.mark.parametrize("label", LABELS)
def test_every_vocabulary_is_enforced_by_seed_and_curator_models(label: str) -> None:
    for name, spec in MODEL.labels[label].properties.items():
        if spec.vocabulary is None or spec.managed:
            continue
        curator = properties_model(label, "curator", partial=True)
        with pytest.raises(ValidationError) as raised:
            curator.model_validate({name: "nonsense"})
        assert field_errors(raised.value)[0].startswith(f"{name}: Input should be ")
        if name in node_properties(label, "seed"):
            with pytest.raises(ValidationError):
                properties_model(label, "seed").model_validate({name: "nonsense"})


def test_patterns_are_enforced_with_the_same_reason_in_both_models() -> None:
    reasons = []
    writers: tuple[Writer, ...] = ("seed", "curator")
    for writer in writers:
        with pytest.raises(ValidationError) as raised:
            properties_model("City", writer, partial=True).model_validate({"country": "France"})
        reasons.append(field_errors(raised.value)[0])
    assert reasons == ["country: String should match pattern '^[A-Z]{2}$'"] * 2


def test_required_edge_properties_are_required() -> None:
    with pytest.raises(ValidationError, match="outcome"):
        edge_model("ADDRESSES").model_validate({})
    assert edge_model("ADDRESSES", partial=True).model_validate({}).model_dump(exclude_unset=True) == {}


_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(min_size=1, max_size=20),
    "strings": st.lists(st.text(min_size=1, max_size=10), max_size=3),
    "int": st.integers(-(10**9), 10**9),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "date": st.dates(min_value=dt.date(1900, 1, 1)),
    "datetime": st.datetimes(),
}


@st.composite
def seed_props(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    label = draw(st.sampled_from(ENTRY_LABELS))
    values: dict[str, Any] = {}
    for name, spec in node_properties(label, "seed").items():
        if not spec.required and not draw(st.booleans()):
            continue  # a required property (StatusReport.period) is always drawn
        if spec.vocabulary is not None:
            values[name] = draw(st.sampled_from([v.value for v in spec.vocabulary]))
        elif spec.pattern is not None:
            values[name] = draw(st.from_regex(spec.pattern, fullmatch=True))
        else:
            values[name] = draw(_VALUES[spec.kind])
    return label, values


@given(seed_props())
@settings(max_examples=200, deadline=None)
def test_values_the_declaration_allows_pass_both_models(case: tuple[str, dict[str, Any]]) -> None:
    label, values = case
    seeded = properties_model(label, "seed").model_validate(values)
    curated = properties_model(label, "curator", partial=True).model_validate(values)
    plain = {k: getattr(v, "value", v) for k, v in seeded.model_dump(exclude_unset=True).items()}
    assert plain == {k: getattr(v, "value", v) for k, v in curated.model_dump(exclude_unset=True).items()}


def test_graphql_enum_values_are_the_stored_words() -> None:
    for vocabulary, types in TYPES.vocabularies.items():
        assert isinstance(types.enum, type) and issubclass(types.enum, Enum)
        assert {m.name.replace("_", "-") for m in types.enum} == {v.value for v in vocabulary}
        filter_fields = [f.name for f in dataclasses.fields(types.filter)]
        assert filter_fields == ["eq", "in_"]
        assert get_args(types.filter.__annotations__["eq"])[0] is types.enum


def test_the_schema_readme_draws_every_relationship_of_the_model() -> None:
    """The mermaid chart in schema/README.md is documentation people read: it may not drift from the model."""
    text = (Path(__file__).parents[2] / "schema" / "README.md").read_text(encoding="utf-8")
    chart = text.split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = {
        (source, kind, target)
        for source, kind, target in re.findall(r'^\s*(\w+) -[-.] "?([A-Z_]+).*[-.]-> (\w+)\s*$', chart, re.M)
        if kind != "SOURCED_FROM"  # every label has it; the chart draws one
    }
    declared = {
        (source, rel_type, target)
        for rel_type, pairs in graph_model().endpoints.items()
        for source, target in pairs
        if rel_type != "SOURCED_FROM"
    }
    assert drawn == declared

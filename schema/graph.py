"""``graph_model()``: the graph model as plain data, read once from the neomodel classes in ``schema.models``.

This is the only module that looks inside neomodel. Everything else that needs to know the model — constraints
and indexes, the allowlists of labels and types, the seed file's entry models, curator validation, the GraphQL
types and filters, the GraphQL-to-Cypher compiler — derives it from the ``GraphModel`` returned here, so one
declaration cannot drift from its copies (``tests/unit/test_graph_model.py`` compares them).

Example:
    >>> model = graph_model()
    >>> model.labels["City"].properties["country"].pattern
    '^[A-Z]{2}$'
    >>> sorted(model.endpoints["ORGANISED_BY"])
    [('Event', 'Network'), ('Event', 'Project')]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    RegexProperty,
    StringProperty,
    StructuredNode,
    StructuredRel,
)

from schema.models import NODE_MODELS, RelType
from schema.operational import OPERATIONAL_MODELS

ScalarKind = Literal["string", "int", "float", "bool", "date", "datetime", "strings", "vector"]
Direction = Literal["out", "in"]

# Checked in order: RegexProperty is a kind of string, DateTimeProperty is not a DateProperty.
_KINDS: tuple[tuple[type, ScalarKind], ...] = (
    (RegexProperty, "string"),
    (StringProperty, "string"),
    (IntegerProperty, "int"),
    (FloatProperty, "float"),
    (BooleanProperty, "bool"),
    (DateTimeProperty, "datetime"),
    (DateProperty, "date"),
)


@dataclass(frozen=True)
class PropertySpec:
    """One declared property of a label or of a relationship's edge."""

    name: str  # the Neo4j (and Python) name
    kind: ScalarKind
    required: bool = False
    unique: bool = False
    indexed: bool = False
    vocabulary: type[StrEnum] | None = None
    pattern: str | None = None
    has_default: bool = False
    managed: bool = False  # written by kg itself (stamps, embeddings): no file or curator sets it
    hidden: bool = False  # not exposed through GraphQL
    provenance: bool = False  # on edges: where the fact comes from, not the fact
    vector_dimensions: int | None = None
    vector_similarity: str | None = None

    @property
    def choices(self) -> tuple[str, ...] | None:
        return tuple(v.value for v in self.vocabulary) if self.vocabulary else None


@dataclass(frozen=True)
class RelationshipSpec:
    """A relationship field of a label: its type, direction, the label at the other end and the edge model."""

    field: str  # the field name on the declaring label (Python name)
    rel_type: RelType
    direction: Direction
    target: str  # the label at the other end
    edge_model: str  # the StructuredRel class name
    edge: dict[str, PropertySpec]

    def stored_as(self, declaring_label: str) -> tuple[str, str]:
        """(start label, end label) as stored in Neo4j, whichever side declares the field."""
        return (declaring_label, self.target) if self.direction == "out" else (self.target, declaring_label)


@dataclass(frozen=True)
class LabelSpec:
    label: str
    doc: str
    properties: dict[str, PropertySpec]
    relationships: dict[str, RelationshipSpec]  # by field name


@dataclass(frozen=True)
class GraphModel:
    labels: dict[str, LabelSpec]
    # Relationship type -> every (start label, end label) pair some class declares, in either direction.
    endpoints: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    # Relationship type -> the edge properties (one edge model per type, checked when the model is read).
    edges: dict[str, dict[str, PropertySpec]] = field(default_factory=dict)

    def label(self, name: str) -> LabelSpec:
        return self.labels[name]

    def allows(self, rel_type: str, start: str, end: str) -> bool:
        return (start, end) in self.endpoints.get(rel_type, frozenset())


def _property_spec(name: str, prop: Any) -> PropertySpec | None:
    vector = getattr(prop, "vector_index", None)
    if isinstance(prop, ArrayProperty):
        base = prop.base_property
        if vector is not None:
            kind: ScalarKind | None = "vector"
        else:
            kind = "strings" if isinstance(base, StringProperty) else None
    else:
        kind = next((k for cls, k in _KINDS if isinstance(prop, cls)), None)
    if kind is None:
        return None
    vocabulary = getattr(prop, "vocabulary", None)
    return PropertySpec(
        name=name,
        kind=kind,
        required=bool(prop.required),
        unique=bool(prop.unique_index),
        indexed=bool(prop.index),
        vocabulary=vocabulary,
        pattern=prop.expression if isinstance(prop, RegexProperty) else None,
        has_default=bool(prop.has_default),
        managed=bool(getattr(prop, "managed", False)),
        hidden=bool(getattr(prop, "hidden", False)),
        provenance=bool(getattr(prop, "provenance", False)),
        vector_dimensions=int(vector.dimensions) if vector is not None else None,
        vector_similarity=str(vector.similarity_function) if vector is not None else None,
    )


def _properties(model: type[StructuredNode] | type[StructuredRel]) -> dict[str, PropertySpec]:
    specs: dict[str, PropertySpec] = {}
    for name, prop in model.defined_properties(aliases=False, rels=False).items():
        spec = _property_spec(name, prop)
        if spec is None:
            raise TypeError(f"{model.__name__}.{name}: a property kind schema.graph does not know")
        specs[name] = spec
    return specs


def _relationship(name: str, definition: Any) -> RelationshipSpec:
    definition.lookup_node_class()
    raw = definition.definition
    edge_model = raw["model"]
    if edge_model is None:
        raise TypeError(f"{name}: every relationship declares an edge model (FactRel or a subclass)")
    return RelationshipSpec(
        field=name,
        rel_type=RelType(raw["relation_type"]),
        direction="out" if raw["direction"] == 1 else "in",
        target=raw["node_class"].__name__,
        edge_model=edge_model.__name__,
        edge=_properties(edge_model),
    )


@functools.cache
def operational_labels() -> dict[str, LabelSpec]:
    """ImportRun and Resolution (schema/operational.py): their properties, for constraints only."""
    return {
        model.__name__: LabelSpec(model.__name__, (model.__doc__ or "").strip(), _properties(model), {})
        for model in OPERATIONAL_MODELS
    }


@functools.cache
def graph_model() -> GraphModel:
    """The graph model declared by ``schema.models`` (read once per process)."""
    labels: dict[str, LabelSpec] = {}
    endpoints: dict[str, set[tuple[str, str]]] = {}
    edges: dict[str, tuple[str, dict[str, PropertySpec]]] = {}
    for model in NODE_MODELS:
        relationships = {
            name: _relationship(name, definition)
            for name, definition in model.defined_properties(
                aliases=False, properties=False, rels=True
            ).items()
        }
        labels[model.__name__] = LabelSpec(
            model.__name__, (model.__doc__ or "").strip(), _properties(model), relationships
        )
        for rel in relationships.values():
            endpoints.setdefault(rel.rel_type.value, set()).add(rel.stored_as(model.__name__))
            known = edges.setdefault(rel.rel_type.value, (rel.edge_model, rel.edge))
            if known[0] != rel.edge_model:
                raise TypeError(
                    f"{model.__name__}.{rel.field}: {rel.rel_type.value} uses {rel.edge_model} "
                    f"but another declaration uses {known[0]}: one edge model per type"
                )
    for rel_type in RelType:
        if rel_type.value not in endpoints:
            raise TypeError(f"{rel_type.value} is in RelType but no label declares it")
    return GraphModel(
        labels=labels,
        endpoints={t: frozenset(pairs) for t, pairs in endpoints.items()},
        edges={t: spec for t, (_, spec) in edges.items()},
    )

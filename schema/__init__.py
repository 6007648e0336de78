"""The graph model: neomodel classes (``schema.models``), read once into plain data by ``graph_model()``, and the
constraints, indexes and narrowings derived from it."""

from __future__ import annotations

from schema.constraints import (
    SCHEMA_VERSION,
    SchemaMigrationError,
    apply_schema,
    read_schema_version,
    schema_items,
)
from schema.graph import GraphModel, LabelSpec, PropertySpec, RelationshipSpec, graph_model
from schema.models import NODE_MODELS, RelType
from schema.vocabularies import CityRole, Outcome

LABELS: frozenset[str] = frozenset(graph_model().labels)

__all__ = [
    "LABELS",
    "NODE_MODELS",
    "SCHEMA_VERSION",
    "CityRole",
    "GraphModel",
    "LabelSpec",
    "Outcome",
    "PropertySpec",
    "RelType",
    "RelationshipSpec",
    "SchemaMigrationError",
    "apply_schema",
    "graph_model",
    "read_schema_version",
    "schema_items",
]

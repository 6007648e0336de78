"""The graph model (neomodel classes) and the constraints/indexes derived from it."""

from __future__ import annotations

from schema.constraints import SCHEMA_VERSION, apply_schema, read_schema_version, schema_items
from schema.models import LABELS, NODE_MODELS, CityRole, Outcome, RelType

__all__ = [
    "LABELS",
    "NODE_MODELS",
    "SCHEMA_VERSION",
    "CityRole",
    "Outcome",
    "RelType",
    "apply_schema",
    "read_schema_version",
    "schema_items",
]

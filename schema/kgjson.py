"""kg-json: kg's full-fidelity JSON format of nodes and relationships, and its JSON Schema, derived from the
graph model (``python -m schema.kgjson`` writes ``schema/kg-json.schema.json``; a test checks it is current).

A file::

    {"format": "kg-json", "version": 1,
     "nodes": [{"label": "City", "uid": "lyon", "properties": {"name": "Lyon", "country": "FR"},
                "provenance": [{"source": "doc-a", "quote": "the Lighthouse Cities Lyon and Munich"}]}],
     "relationships": [{"type": "PARTICIPATES_IN", "from": "City:lyon", "to": "Project:smarter-together",
                        "properties": {"role": "lighthouse"}, "source_ids": ["doc-a"],
                        "quotes": ["the Lighthouse Cities Lyon and Munich"], "confidence": 1.0}]}

An optional ``"metadata"`` object (``kg export`` writes it: the knowledge-base version, the selection, when,
the sources and how to cite kg) is not loaded. Sources are nodes (label ``Source``) like any other. Values are JSON; dates and datetimes, which JSON lacks, are
``{"$date": "2017-10-02"}`` and ``{"$datetime": "2017-10-02T09:30:00+00:00"}``. Embeddings (``Challenge.embedding``)
are ordinary float lists and may be left out. What kg records about its own work (import runs, stamps, curator
flags) is not part of the format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from schema.graph import PropertySpec, graph_model
from schema.models import SLUG_PATTERN

FORMAT: Final = "kg-json"
VERSION: Final = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "kg-json.schema.json"
# Bookkeeping kg writes about its own work: never in a kg-json file.
NODE_EXCLUDED: Final = frozenset({"uid", "updated_at", "updated_by", "curated_fields"})
EDGE_TOP_LEVEL: Final = frozenset({"source_ids", "quotes", "records", "confidence"})
EDGE_EXCLUDED: Final = frozenset({"import_run_ids", "imported_by", "updated_at", "updated_by", "curated"})
REF_PATTERN: Final = r"^[A-Z][A-Za-z]*:" + SLUG_PATTERN.removeprefix("^")


def node_properties(label: str) -> dict[str, PropertySpec]:
    return {n: p for n, p in graph_model().label(label).properties.items() if n not in NODE_EXCLUDED}


def edge_properties(rel_type: str) -> dict[str, PropertySpec]:
    excluded = EDGE_TOP_LEVEL | EDGE_EXCLUDED
    return {n: p for n, p in graph_model().edges[rel_type].items() if n not in excluded}


def provenance_properties() -> dict[str, PropertySpec]:
    return {n: p for n, p in graph_model().edges["SOURCED_FROM"].items() if n not in EDGE_EXCLUDED}


def _value_schema(spec: PropertySpec) -> dict[str, Any]:
    if spec.vocabulary is not None:
        return {"enum": list(spec.choices or ())}
    scalar: dict[str, dict[str, Any]] = {
        "string": {"type": "string", **({"pattern": spec.pattern} if spec.pattern else {})},
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "bool": {"type": "boolean"},
        "date": {"$ref": "#/$defs/date"},
        "datetime": {"$ref": "#/$defs/datetime"},
        "strings": {"type": "array", "items": {"type": "string"}},
        "vector": {"type": "array", "items": {"type": "number"}},
    }
    return scalar[spec.kind]


def _object(properties: dict[str, PropertySpec], required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: _value_schema(spec) for name, spec in sorted(properties.items())},
        "additionalProperties": False,
    }
    needed = sorted(name for name, spec in properties.items() if spec.required and required)
    if needed:
        schema["required"] = needed
    return schema


def kg_json_schema() -> dict[str, Any]:
    """The JSON Schema of a kg-json file, one branch per label and relationship type."""
    model = graph_model()
    node_branches = [
        {
            "if": {"properties": {"label": {"const": label}}},
            "then": {"properties": {"properties": _object(node_properties(label), required=True)}},
        }
        for label in sorted(model.labels)
    ]
    edge_branches = [
        {
            "if": {"properties": {"type": {"const": rel_type}}},
            "then": {"properties": {"properties": _object(edge_properties(rel_type), required=True)}},
        }
        for rel_type in sorted(model.edges)
        if rel_type != "SOURCED_FROM"
    ]
    provenance = _object(provenance_properties(), required=False)
    provenance["properties"]["source"] = {"type": "string", "pattern": SLUG_PATTERN}
    provenance["required"] = ["source"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kg.example/kg-json.schema.json",
        "title": "kg-json",
        "description": "kg's full-fidelity JSON of nodes and relationships (schema/kgjson.py).",
        "type": "object",
        "required": ["format", "version", "nodes", "relationships"],
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "metadata": {
                "type": "object",
                "description": "What kg export records: kb_version, selection, exported_at, sources, citation.",
            },
            "nodes": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "relationships": {"type": "array", "items": {"$ref": "#/$defs/relationship"}},
        },
        "$defs": {
            "date": {
                "type": "object",
                "properties": {"$date": {"type": "string", "format": "date"}},
                "required": ["$date"],
                "additionalProperties": False,
            },
            "datetime": {
                "type": "object",
                "properties": {"$datetime": {"type": "string", "format": "date-time"}},
                "required": ["$datetime"],
                "additionalProperties": False,
            },
            "node": {
                "type": "object",
                "required": ["label", "uid", "properties"],
                "properties": {
                    "label": {"enum": sorted(model.labels)},
                    "uid": {"type": "string", "pattern": SLUG_PATTERN},
                    "properties": {"type": "object"},
                    "provenance": {"type": "array", "items": provenance},
                },
                "additionalProperties": False,
                "allOf": node_branches,
            },
            "relationship": {
                "type": "object",
                "required": ["type", "from", "to"],
                "properties": {
                    "type": {"enum": sorted(t for t in model.edges if t != "SOURCED_FROM")},
                    "from": {"type": "string", "pattern": REF_PATTERN},
                    "to": {"type": "string", "pattern": REF_PATTERN},
                    "properties": {"type": "object"},
                    "source_ids": {"type": "array", "items": {"type": "string", "pattern": SLUG_PATTERN}},
                    "quotes": {"type": "array", "items": {"type": "string"}},
                    "records": {"type": "array", "items": {"type": "string"}},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "additionalProperties": False,
                "allOf": edge_branches,
            },
        },
    }


def render() -> str:
    return json.dumps(kg_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()

"""The mapping format of ``kg import csv``: which columns of a table make which nodes and relationships.

``python -m schema.tablemapping`` writes ``schema/table-mapping.schema.json`` (a test checks it is current); the
labels and relationship types it allows come from the graph model. Worked examples with their tables live in
``importers/templates/mapped/``; ``importers/mapped.py`` reads them.

A *value* is ``{column: NAME}`` or ``{constant: VALUE}``, with optional transforms applied in this order:
``strip`` (default on), ``trim_control`` (drop control characters), ``map`` (replace whole values),
``split`` (a separator: the value becomes a list), ``date`` (a ``strptime`` format), ``number``
(``int``, ``float`` or ``decimal-comma``: ``1.250.000,50``), ``template`` (``"member since {value}"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from schema.graph import graph_model

FORMAT: Final = "kg-table-mapping"
VERSION: Final = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "table-mapping.schema.json"
RESOLVED: Final = ("City", "Organisation", "Project")


def mapping_schema() -> dict[str, Any]:
    model = graph_model()
    value = {
        "type": "object",
        "properties": {
            "column": {"type": "string", "minLength": 1},
            "constant": {},
            "strip": {"type": "boolean"},
            "trim_control": {"type": "boolean"},
            "map": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            "split": {"type": "string", "minLength": 1},
            "date": {"type": "string", "minLength": 2},
            "number": {"enum": ["int", "float", "decimal-comma"]},
            "template": {"type": "string", "pattern": "\\{value\\}"},
        },
        "oneOf": [{"required": ["column"]}, {"required": ["constant"]}],
        "additionalProperties": False,
    }
    values = {"type": "object", "additionalProperties": {"$ref": "#/$defs/value"}}
    node = {
        "type": "object",
        "required": ["label"],
        "properties": {
            "label": {"enum": sorted(model.labels)},
            "uid": {"$ref": "#/$defs/value"},
            "resolve": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"$ref": "#/$defs/value"},
                    "country": {"$ref": "#/$defs/value"},
                    "grant_agreement": {"$ref": "#/$defs/value"},
                },
                "additionalProperties": False,
            },
            "properties": values,
        },
        "oneOf": [
            {"required": ["uid"]},
            {"required": ["resolve"], "properties": {"label": {"enum": list(RESOLVED)}}},
        ],
        "additionalProperties": False,
    }
    relationship = {
        "type": "object",
        "required": ["type", "from", "to"],
        "properties": {
            "type": {"enum": sorted(t for t in model.edges if t not in ("SOURCED_FROM", "SIMILAR_TO"))},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "properties": values,
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "additionalProperties": False,
    }
    source = {
        "type": "object",
        "properties": {
            "uid": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
            "name": {"type": "string"},
            "column": {"type": "string"},
            "kind": {"enum": ["document", "dataset", "web-page"]},
        },
        "oneOf": [{"required": ["uid", "name"]}, {"required": ["column"]}],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": FORMAT,
        "description": "How kg import csv turns a table's columns into nodes and relationships (schema/tablemapping.py).",
        "type": "object",
        "required": ["format", "version", "source", "nodes"],
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "table": {
                "type": "object",
                "properties": {
                    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
                    "sheet": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "source": source,
            "nodes": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/node"}},
            "relationships": {"type": "array", "items": {"$ref": "#/$defs/relationship"}},
        },
        "additionalProperties": False,
        "$defs": {"value": value, "node": node, "relationship": relationship},
    }


def render() -> str:
    return json.dumps(mapping_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()

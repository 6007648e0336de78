"""The only way a label or relationship type reaches Cypher text: checked against the schema's allowlists.

Cypher cannot take labels or relationship types as parameters, so builders splice them into the query text;
these two functions are where that is made safe.
"""

from __future__ import annotations

from typing import LiteralString

from kg.errors import KGError
from schema.models import LABELS, RelType


def label(name: str) -> LiteralString:
    if name not in LABELS:
        raise KGError(f"unknown label {name!r}")
    return name  # checked against the allowlist above


def rel_type(name: str) -> LiteralString:
    try:
        return RelType(name).value  # an enum member, never user text
    except ValueError as error:
        raise KGError(f"unknown relationship type {name!r}") from error

"""The only way a label or relationship type reaches Cypher text: checked against the graph model.

Cypher cannot take labels or relationship types as parameters, so builders splice them into the query text;
these two functions are where that is made safe. Both allowlists derive from ``schema.graph_model()``.
"""

from __future__ import annotations

from typing import LiteralString

from kg.core.errors import InvalidInputError
from schema import graph_model
from schema.models import RelType


class UnknownNameError(InvalidInputError):
    """A label or relationship type the graph model does not declare."""


def label(name: str) -> LiteralString:
    if name not in graph_model().labels:
        raise UnknownNameError(f"unknown label {name!r}")
    return name  # checked against the allowlist above


def rel_type(name: str) -> LiteralString:
    try:
        return RelType(name).value  # an enum member, never user text
    except ValueError as error:
        raise UnknownNameError(f"unknown relationship type {name!r}") from error

"""``SelectionOptions`` / ``SelectionRequest``: the selection options every entry point shares — ``kg export``, ``GET /export``,
GraphQL ``exportGraph`` and ``kg.export.subgraph`` — parsed once into a ``Selection``.

Example:
    >>> SelectionOptions(around="Lyon", hops=2, labels=["City,Project"]).selection().describe()
    "2 hops around 'Lyon' (labels City, Project)"
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kg.core.errors import InvalidInputError
from kg.export.selection import Selection, SelectionKind

NAME = 200  # the longest name or id a selection takes
TARGETS = ("around", "project", "network", "field", "city", "match", "candidates", "cypher")


class SelectionOptions(BaseModel):
    """One of ``around`` (with ``hops``), ``project``, ``network``, ``field``, ``city``, ``match``
    (``FOLLOWER:LIGHTHOUSE``) or ``candidates`` (a solution); none is the whole graph. ``labels`` and ``types``
    narrow it; ``with_embeddings`` adds the challenges' vectors. What GraphQL and HTTP may ask for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    around: str | None = Field(
        None, max_length=NAME, description="a node: global id, public id, name or alias"
    )
    hops: int = Field(1, description="with around: how many steps out (0-10)")
    project: str | None = Field(None, max_length=NAME)
    network: str | None = Field(None, max_length=NAME)
    field: str | None = Field(None, max_length=NAME, description="a thematic field")
    city: str | None = Field(None, max_length=NAME)
    match: str | None = Field(None, max_length=2 * NAME + 1, description="FOLLOWER:LIGHTHOUSE")
    candidates: str | None = Field(None, max_length=NAME, description="a solution")
    labels: list[str] = Field(default_factory=list, max_length=40, description="keep only these labels")
    types: list[str] = Field(default_factory=list, max_length=40, description="keep only these types")
    with_embeddings: bool = False

    @classmethod
    def parse(cls, **values: Any) -> Self:
        """Like the constructor, with a pydantic error turned into kg's invalid-input error."""
        try:
            return cls(**values)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(step) for step in first["loc"]) or "selection"
            raise InvalidInputError(f"{where}: {first['msg']}") from error

    def selection(self) -> Selection:
        """The one selection named (none: the whole graph); naming two is an error."""
        named = {name: getattr(self, name, None) for name in TARGETS}  # SelectionOptions has no cypher
        given: dict[str, str] = {name: value for name, value in named.items() if value is not None}
        if len(given) > 1:
            raise InvalidInputError(f"choose one selection, not {' and '.join(sorted(given))}")
        narrowing: dict[str, Any] = {
            "labels": self.labels,
            "types": self.types,
            "with_embeddings": self.with_embeddings,
        }
        if not given:
            return Selection.whole(**narrowing)
        ((kind, target),) = given.items()
        if kind == "around":
            return Selection.around(target, self.hops, **narrowing)
        return Selection.of(SelectionKind(kind), target, **narrowing)


class SelectionRequest(SelectionOptions):
    """``SelectionOptions`` and ``cypher``: a read-only query, for the CLI and Python only (never over HTTP)."""

    cypher: str | None = Field(None, description="refused over HTTP: kg export --cypher and Python only")

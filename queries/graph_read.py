"""Compile a selection over the graph model into ONE Cypher statement (plus one count when asked).

The API hands over a ``Selection`` tree (scalar fields, nested relationship fields with their ``where`` and
``first``) and a ``Where`` tree per connection, both built from the typed inputs GraphQL already coerced; this
module turns them into a read whose shape follows the query: nested relationships become ``COLLECT {}``
subqueries inside the map projection, so the number of statements never depends on how many nodes a page holds
(no N+1). Labels, relationship types and property names come from ``read_model()`` — derived from
``schema.graph_model()``, an allowlist — and every value is a parameter (``$p0``, ``$p1``... in the order met).

Example:
    >>> text, params = count_statement("City", Where(fields=(FieldFilter("country", (("eq", "FR"),)),)))
    >>> text
    'MATCH (n:City) WHERE n.country = $p0 RETURN count(n) AS total'
    >>> params
    {'p0': 'FR'}
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, LiteralString

from kg.core.errors import InvalidInputError
from schema import graph_model
from schema.graph import PropertySpec, ScalarKind
from schema.naming import camel_case

Direction = Literal["out", "in"]
Quantifier = Literal["some", "none", "all"]

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_NESTED = 100


class QueryCompileError(InvalidInputError):
    """A selection or filter names something the graph model does not have, or a value of the wrong kind."""


# ------------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class ScalarMeta:
    prop: str  # the Neo4j property
    kind: ScalarKind
    vocabulary: type[StrEnum] | None = None


@dataclass(frozen=True)
class RelMeta:
    name: str  # GraphQL (camelCase) field name
    rel_type: str
    direction: Direction
    target: str
    edge: dict[str, ScalarMeta]  # GraphQL name -> edge property


@dataclass(frozen=True)
class LabelMeta:
    label: str
    scalars: dict[str, ScalarMeta]  # GraphQL (camelCase) name -> property
    rels: dict[str, RelMeta]  # GraphQL name -> relationship


def _scalars(properties: dict[str, PropertySpec]) -> dict[str, ScalarMeta]:
    return {
        camel_case(name): ScalarMeta(name, spec.kind, spec.vocabulary)
        for name, spec in sorted(properties.items())
        if not spec.hidden and spec.kind != "vector"
    }


@functools.cache
def read_model() -> dict[str, LabelMeta]:
    """What GraphQL may read and filter: every label's visible properties and relationships, by GraphQL name."""
    labels: dict[str, LabelMeta] = {}
    for label, spec in graph_model().labels.items():
        rels = {
            camel_case(name): RelMeta(
                camel_case(name), rel.rel_type.value, rel.direction, rel.target, _scalars(rel.edge)
            )
            for name, rel in sorted(spec.relationships.items())
        }
        labels[label] = LabelMeta(label, _scalars(spec.properties), rels)
    return labels


def _label(label: str) -> LabelMeta:
    model = read_model()
    if label not in model:
        raise QueryCompileError(f"unknown label {label!r}")
    return model[label]


# ------------------------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class FieldFilter:
    """Operators on one scalar field: ``(("gte", 100000), ("lt", 1000000))``."""

    field: str  # GraphQL name
    ops: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class RelFilter:
    """``some`` / ``none`` / ``all`` related nodes (and edges) satisfy the conditions."""

    rel: str  # GraphQL name of the relationship field
    quantifier: Quantifier
    edge: tuple[FieldFilter, ...] = ()
    node: Where | None = None


@dataclass(frozen=True)
class Where:
    """All conditions must hold. ``any_of`` is OR (an empty OR is false); ``negated`` is NOT."""

    fields: tuple[FieldFilter, ...] = ()
    rels: tuple[RelFilter, ...] = ()
    all_of: tuple[Where, ...] = ()
    any_of: tuple[Where, ...] | None = None
    negated: Where | None = None


@dataclass
class Selection:
    """What to fetch of one node: scalar properties, and nested relationships by response key."""

    label: str
    scalars: list[str] = field(default_factory=list)  # GraphQL names
    rels: dict[str, RelSelection] = field(default_factory=dict)  # response key -> relationship


@dataclass
class RelSelection:
    rel: str  # GraphQL name of the relationship field
    where: Where | None = None
    first: int = DEFAULT_PAGE
    edge_scalars: list[str] = field(default_factory=list)
    node: Selection | None = None


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name


# ------------------------------------------------------------------------------------------------ operators

# operator -> Cypher, given the property expression and the parameter placeholder.
OPERATORS: dict[str, Callable[[str, str], str]] = {
    "eq": lambda prop, value: f"{prop} = {value}",
    "in": lambda prop, value: f"{prop} IN {value}",
    "gt": lambda prop, value: f"{prop} > {value}",
    "gte": lambda prop, value: f"{prop} >= {value}",
    "lt": lambda prop, value: f"{prop} < {value}",
    "lte": lambda prop, value: f"{prop} <= {value}",
    "contains": lambda prop, value: f"toLower({prop}) CONTAINS toLower({value})",
    "starts_with": lambda prop, value: f"toLower({prop}) STARTS WITH toLower({value})",
    "ends_with": lambda prop, value: f"toLower({prop}) ENDS WITH toLower({value})",
    "includes": lambda prop, value: f"{value} IN coalesce({prop}, [])",
}
_ORDERED = frozenset({"eq", "in", "gt", "gte", "lt", "lte"})
OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "string": frozenset({"eq", "in", "contains", "starts_with", "ends_with"}),
    "vocabulary": frozenset({"eq", "in"}),
    "int": _ORDERED,
    "float": _ORDERED,
    "date": _ORDERED,
    "datetime": _ORDERED - {"in"},
    "bool": frozenset({"eq"}),
    "strings": frozenset({"includes"}),
}

# quantifier -> Cypher, given the pattern and the condition on its relationship and node.
QUANTIFIERS: dict[str, Callable[[str, str], str]] = {
    "some": lambda pattern, inner: f"EXISTS {{ MATCH {pattern} WHERE {inner} }}",
    "none": lambda pattern, inner: f"NOT EXISTS {{ MATCH {pattern} WHERE {inner} }}",
    "all": lambda pattern, inner: f"NOT EXISTS {{ MATCH {pattern} WHERE NOT ({inner}) }}",
}


def operator_kind(meta: ScalarMeta) -> str:
    return "vocabulary" if meta.vocabulary is not None else meta.kind


def _plain(value: Any) -> Any:
    """Enum members (vocabularies) as the strings Neo4j stores."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return getattr(value, "value", value)


def _field_conditions(
    var: str, meta: ScalarMeta, ops: tuple[tuple[str, Any], ...], params: _Params
) -> list[str]:
    conditions: list[str] = []
    for op, value in ops:
        if value is None:
            continue
        if op not in OPERATORS_BY_KIND[operator_kind(meta)]:
            raise QueryCompileError(f"filter {op!r} is not available on {meta.prop}")
        if op == "in" and not isinstance(value, list | tuple):
            raise QueryCompileError(f"filter 'in' on {meta.prop} takes a list")
        conditions.append(OPERATORS[op](f"{var}.{meta.prop}", params.add(_plain(value))))
    return conditions


def _pattern(var: str, rel: RelMeta, rel_var: str, node_var: str) -> str:
    arrow = (f"-[{rel_var}:{rel.rel_type}]->", f"<-[{rel_var}:{rel.rel_type}]-")[rel.direction == "in"]
    return f"({var}){arrow}({node_var}:{rel.target})"


def where_clause(label: str, var: str, where: Where | None, params: _Params, depth: int = 0) -> str:
    """A Cypher boolean expression (``true`` for no filter) for a ``Where`` on ``label`` bound to ``var``."""
    if where is None:
        return "true"
    meta = _label(label)
    parts: list[str] = []
    for filt in where.fields:
        if filt.field not in meta.scalars:
            raise QueryCompileError(f"{label} has no field {filt.field!r} to filter on")
        parts.extend(_field_conditions(var, meta.scalars[filt.field], filt.ops, params))
    for rel_filter in where.rels:
        if rel_filter.rel not in meta.rels:
            raise QueryCompileError(f"{label} has no relationship {rel_filter.rel!r} to filter on")
        parts.append(_rel_condition(var, meta.rels[rel_filter.rel], rel_filter, params, depth + 1))
    parts.extend(f"({where_clause(label, var, item, params, depth)})" for item in where.all_of)
    if where.any_of is not None:
        alternatives = [f"({where_clause(label, var, item, params, depth)})" for item in where.any_of]
        parts.append("(" + " OR ".join(alternatives or ["false"]) + ")")
    if where.negated is not None:
        parts.append(f"NOT ({where_clause(label, var, where.negated, params, depth)})")
    return " AND ".join(parts) or "true"


def _edge_condition(
    rel: RelMeta,
    rel_var: str,
    node_var: str,
    edge: tuple[FieldFilter, ...],
    node: Where | None,
    params: _Params,
    depth: int,
) -> str:
    parts: list[str] = []
    for filt in edge:
        if filt.field not in rel.edge:
            raise QueryCompileError(f"{rel.name} has no edge property {filt.field!r}")
        parts.extend(_field_conditions(rel_var, rel.edge[filt.field], filt.ops, params))
    parts.append(f"({where_clause(rel.target, node_var, node, params, depth)})")
    return " AND ".join(parts)


def _rel_condition(var: str, rel: RelMeta, filt: RelFilter, params: _Params, depth: int) -> str:
    if filt.quantifier not in QUANTIFIERS:
        raise QueryCompileError(f"unknown relationship quantifier {filt.quantifier!r} (some, none, all)")
    # Filter variables (fr*, fm*) never collide with projection variables (n*, r*) of enclosing scopes.
    rel_var, node_var = f"fr{depth}", f"fm{depth}"
    inner = _edge_condition(rel, rel_var, node_var, filt.edge, filt.node, params, depth)
    return QUANTIFIERS[filt.quantifier](_pattern(var, rel, rel_var, node_var), inner)


# ------------------------------------------------------------------------------------------------ projection

UID_KEY = "__uid"  # the projection key of a node's uid; GraphQL names cannot start with "__" (reserved)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _safe_key(key: str) -> str:
    # Response keys are GraphQL names or aliases ([_A-Za-z][_0-9A-Za-z]*); "__" is reserved for the uid.
    if not _KEY.match(key) or key.startswith("__"):
        raise QueryCompileError(f"invalid response key {key!r}")
    return key


def _projection(selection: Selection, var: str, params: _Params, depth: int) -> str:
    meta = _label(selection.label)
    entries = [f"{UID_KEY}: {var}.uid"]
    for name in selection.scalars:
        if name not in meta.scalars:
            raise QueryCompileError(f"{selection.label} has no field {name!r}")
        entries.append(f"{name}: {var}.{meta.scalars[name].prop}")
    for key, nested in selection.rels.items():
        entries.append(f"{_safe_key(key)}: {_nested(meta, var, nested, params, depth + 1)}")
    return "{" + ", ".join(entries) + "}"


def _nested(meta: LabelMeta, var: str, nested: RelSelection, params: _Params, depth: int) -> str:
    if nested.rel not in meta.rels:
        raise QueryCompileError(f"{meta.label} has no relationship {nested.rel!r}")
    rel = meta.rels[nested.rel]
    rel_var, node_var = f"r{depth}", f"n{depth}"
    condition = _edge_condition(rel, rel_var, node_var, (), nested.where, params, depth)
    edge_entries = []
    for name in nested.edge_scalars:
        if name not in rel.edge:
            raise QueryCompileError(f"{rel.name} edges have no field {name!r}")
        edge_entries.append(f"{name}: {rel_var}.{rel.edge[name].prop}")
    node = (
        _projection(nested.node, node_var, params, depth)
        if nested.node
        else "{" + UID_KEY + ": " + node_var + ".uid}"
    )
    edge_entries.append("node: " + node)
    limit = params.add(min(max(nested.first, 0), MAX_NESTED))
    # A COLLECT subquery (not a pattern comprehension) so each nested list is ordered and bounded.
    return (
        f"COLLECT {{ MATCH {_pattern(var, rel, rel_var, node_var)} WHERE {condition} "
        f"WITH {rel_var}, {node_var} ORDER BY {node_var}.uid LIMIT {limit} "
        f"RETURN {{{', '.join(edge_entries)}}} }}"
    )


# ------------------------------------------------------------------------------------------------ statements


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after ``cursor`` (0 without one)."""
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if kind != "offset" or not value.isdigit():
            raise ValueError(kind)
        return int(value) + 1
    except ValueError as error:
        raise QueryCompileError(f"invalid cursor {cursor[:40]!r}") from error


def _statement(text: LiteralString, params: _Params) -> tuple[LiteralString, dict[str, Any]]:
    # Built from read_model() names only (an allowlist derived from the graph model); values are parameters.
    return text, params.values


def page_statement(
    selection: Selection, where: Where | None, sort: list[Sort], first: int, after: str | None
) -> tuple[LiteralString, dict[str, Any]]:
    """The page of nodes and every nested selection, in one statement. Fetches first + 1 rows for hasNextPage."""
    if not 1 <= first <= MAX_PAGE:
        raise QueryCompileError(f"first must be between 1 and {MAX_PAGE}")
    meta = _label(selection.label)
    params = _Params()
    condition = where_clause(selection.label, "n", where, params)
    order = []
    for item in sort:
        if item.field not in meta.scalars:
            raise QueryCompileError(f"{selection.label} cannot be sorted by {item.field!r}")
        order.append(f"n.{meta.scalars[item.field].prop}{' DESC' if item.descending else ''}")
    order.append("n.uid")  # a total order, so pages never overlap
    skip, limit = params.add(decode_cursor(after)), params.add(first + 1)
    text = (
        f"MATCH (n:{meta.label}) WHERE {condition} "
        f"WITH n ORDER BY {', '.join(order)} SKIP {skip} LIMIT {limit} "
        f"RETURN n {_projection(selection, 'n', params, 0)} AS node"
    )
    return _statement(text, params)


def count_statement(label: str, where: Where | None) -> tuple[LiteralString, dict[str, Any]]:
    """``totalCount``: counts in the database, never by collecting the nodes."""
    params = _Params()
    meta = _label(label)
    text = f"MATCH (n:{meta.label}) WHERE {where_clause(label, 'n', where, params)} RETURN count(n) AS total"
    return _statement(text, params)


def node_statement(selection: Selection, uid: str) -> tuple[LiteralString, dict[str, Any]]:
    params = _Params()
    meta = _label(selection.label)
    key = params.add(uid)
    text = f"MATCH (n:{meta.label} {{uid: {key}}}) RETURN n {_projection(selection, 'n', params, 0)} AS node"
    return _statement(text, params)

"""Compile a GraphQL selection over the graph model into ONE Cypher statement (plus one count when asked).

The GraphQL layer hands over a ``Selection`` tree (fields, nested relationship fields with their ``where`` and
``first``) and a ``where`` dict per connection; this module turns it into a read whose shape follows the query:
nested relationships become ``COLLECT {}`` subqueries inside the map projection, so the number of statements never
depends on how many nodes a page holds (no N+1). Labels, relationship types and property names come from
``GraphModel`` — derived from the neomodel classes, an allowlist — and every value is a parameter.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal, LiteralString

from kg.errors import KGError
from schema.models import NODE_MODELS
from schema.naming import camel_case

ScalarKind = Literal["string", "int", "float", "bool", "date", "datetime", "strings"]
Direction = Literal["out", "in"]

HIDDEN_PROPERTIES = frozenset({"embedding", "embedding_text"})
MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_NESTED = 100

_KINDS: dict[str, ScalarKind] = {
    "StringProperty": "string",
    "IntegerProperty": "int",
    "FloatProperty": "float",
    "BooleanProperty": "bool",
    "DateProperty": "date",
    "DateTimeProperty": "datetime",
}


class QueryCompileError(KGError):
    """A selection or filter names something the graph model does not have, or a value of the wrong kind."""


@dataclass(frozen=True)
class ScalarMeta:
    prop: str
    kind: ScalarKind


@dataclass(frozen=True)
class RelMeta:
    name: str
    rel_type: str
    direction: Direction
    target: str
    edge: dict[str, ScalarMeta]


@dataclass(frozen=True)
class LabelMeta:
    label: str
    scalars: dict[str, ScalarMeta]  # GraphQL (camelCase) name -> property
    rels: dict[str, RelMeta]  # GraphQL name -> relationship


def _scalars(properties: dict[str, Any]) -> dict[str, ScalarMeta]:
    scalars: dict[str, ScalarMeta] = {}
    for prop, definition in sorted(properties.items()):
        if prop in HIDDEN_PROPERTIES:
            continue
        kind_name = type(definition).__name__
        if kind_name == "ArrayProperty":
            kind: ScalarKind | None = (
                "strings" if type(definition.base_property).__name__ == "StringProperty" else None
            )
        else:
            kind = _KINDS.get(kind_name)
        if kind is not None:
            scalars[camel_case(prop)] = ScalarMeta(prop, kind)
    return scalars


def _build_model() -> dict[str, LabelMeta]:
    labels: dict[str, LabelMeta] = {}
    for model in NODE_MODELS:
        rels: dict[str, RelMeta] = {}
        for name, definition in sorted(
            model.defined_properties(aliases=False, properties=False, rels=True).items()
        ):
            raw = definition._raw_class
            target = raw if isinstance(raw, str) else raw.__name__
            edge_model = definition.definition["model"]
            edge = _scalars(edge_model.defined_properties(aliases=False, rels=False)) if edge_model else {}
            direction: Direction = "out" if definition.definition["direction"] == 1 else "in"
            rels[camel_case(name)] = RelMeta(
                camel_case(name), definition.definition["relation_type"], direction, target, edge
            )
        labels[model.__name__] = LabelMeta(
            model.__name__, _scalars(model.defined_properties(aliases=False, rels=False)), rels
        )
    return labels


GRAPH_MODEL: dict[str, LabelMeta] = _build_model()


# ------------------------------------------------------------------------------------------------ selections


@dataclass
class Selection:
    """What to fetch of one node: scalar properties, and nested relationships by response key."""

    label: str
    scalars: list[str] = field(default_factory=list)  # GraphQL names
    rels: dict[str, RelSelection] = field(default_factory=dict)  # response key -> relationship


@dataclass
class RelSelection:
    rel: str  # GraphQL name of the relationship field
    where: dict[str, Any] | None
    first: int
    edge_scalars: list[str]
    node: Selection | None


@dataclass
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


# ------------------------------------------------------------------------------------------------ filters

_OPERATORS: dict[str, str] = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_ALLOWED_OPS: dict[ScalarKind, set[str]] = {
    "string": {"eq", "in", "contains", "startsWith", "endsWith"},
    "int": {"eq", "in", "gt", "gte", "lt", "lte"},
    "float": {"eq", "in", "gt", "gte", "lt", "lte"},
    "date": {"eq", "in", "gt", "gte", "lt", "lte"},
    "datetime": {"eq", "gt", "gte", "lt", "lte"},
    "bool": {"eq"},
    "strings": {"includes"},
}


def _coerce(kind: ScalarKind, value: Any) -> Any:
    """Literal arguments reach the compiler as text (GraphQL AST values); variables arrive typed."""
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return value if isinstance(value, bool) else str(value).lower() == "true"
        if kind == "date":
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if kind == "datetime":
            return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError as error:
        raise QueryCompileError(f"{value!r} is not a valid {kind}") from error
    return str(value)


def _scalar_condition(var: str, meta: ScalarMeta, ops: dict[str, Any], params: _Params) -> list[str]:
    prop = f"{var}.{meta.prop}"
    conditions: list[str] = []
    for op, value in sorted(ops.items()):
        if value is None:
            continue
        if op not in _ALLOWED_OPS[meta.kind]:
            raise QueryCompileError(f"filter {op!r} is not available on {meta.prop}")
        value = [_coerce(meta.kind, v) for v in value] if op == "in" else _coerce(meta.kind, value)
        if op in _OPERATORS:
            conditions.append(f"{prop} {_OPERATORS[op]} {params.add(value)}")
        elif op == "in":
            conditions.append(f"{prop} IN {params.add(list(value))}")
        elif op == "contains":
            conditions.append(f"toLower({prop}) CONTAINS toLower({params.add(value)})")
        elif op == "startsWith":
            conditions.append(f"toLower({prop}) STARTS WITH toLower({params.add(value)})")
        elif op == "endsWith":
            conditions.append(f"toLower({prop}) ENDS WITH toLower({params.add(value)})")
        elif op == "includes":
            conditions.append(f"{params.add(value)} IN coalesce({prop}, [])")
    return conditions


def _pattern(var: str, rel: RelMeta, rel_var: str, node_var: str) -> str:
    arrow = (f"-[{rel_var}:{rel.rel_type}]->", f"<-[{rel_var}:{rel.rel_type}]-")[rel.direction == "in"]
    return f"({var}){arrow}({node_var}:{rel.target})"


def where_clause(label: str, var: str, where: dict[str, Any] | None, params: _Params, depth: int = 0) -> str:
    """A Cypher boolean expression (``true`` for no filter) for a GraphQL ``where`` input."""
    if not where:
        return "true"
    meta = _label(label)
    parts: list[str] = []
    for key, value in sorted(where.items()):
        if value is None:
            continue
        if key == "AND":
            parts.extend(f"({where_clause(label, var, item, params, depth)})" for item in value)
        elif key == "OR":
            alternatives = [f"({where_clause(label, var, item, params, depth)})" for item in value]
            parts.append("(" + " OR ".join(alternatives or ["false"]) + ")")
        elif key == "NOT":
            parts.append(f"NOT ({where_clause(label, var, value, params, depth)})")
        elif key in meta.scalars:
            parts.extend(_scalar_condition(var, meta.scalars[key], value, params))
        elif key in meta.rels:
            parts.extend(_rel_condition(var, meta.rels[key], value, params, depth + 1))
        else:
            raise QueryCompileError(f"{label} has no field {key!r} to filter on")
    return " AND ".join(parts) or "true"


def _edge_condition(
    rel: RelMeta, rel_var: str, node_var: str, filt: dict[str, Any], params: _Params, depth: int
) -> str:
    parts: list[str] = []
    for key, ops in sorted((filt.get("edge") or {}).items()):
        if key not in rel.edge:
            raise QueryCompileError(f"{rel.name} has no edge property {key!r}")
        parts.extend(_scalar_condition(rel_var, rel.edge[key], ops, params))
    parts.append(f"({where_clause(rel.target, node_var, filt.get('node'), params, depth)})")
    return " AND ".join(parts)


def _rel_condition(
    var: str, rel: RelMeta, quantifiers: dict[str, Any], params: _Params, depth: int
) -> list[str]:
    # Filter variables (fr*, fm*) never collide with projection variables (n*, r*) of enclosing scopes.
    rel_var, node_var = f"fr{depth}", f"fm{depth}"
    pattern = _pattern(var, rel, rel_var, node_var)
    conditions: list[str] = []
    for quantifier, filt in sorted(quantifiers.items()):
        if filt is None:
            continue
        inner = _edge_condition(rel, rel_var, node_var, filt, params, depth)
        if quantifier == "some":
            conditions.append(f"EXISTS {{ MATCH {pattern} WHERE {inner} }}")
        elif quantifier == "none":
            conditions.append(f"NOT EXISTS {{ MATCH {pattern} WHERE {inner} }}")
        elif quantifier == "all":
            conditions.append(f"NOT EXISTS {{ MATCH {pattern} WHERE NOT ({inner}) }}")
        else:
            raise QueryCompileError(f"unknown relationship quantifier {quantifier!r} (some, none, all)")
    return conditions


def _label(label: str) -> LabelMeta:
    if label not in GRAPH_MODEL:
        raise QueryCompileError(f"unknown label {label!r}")
    return GRAPH_MODEL[label]


# ------------------------------------------------------------------------------------------------ projection


def _projection(selection: Selection, var: str, params: _Params, depth: int) -> str:
    meta = _label(selection.label)
    entries = ["__uid: " + var + ".uid"]
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
    condition = _edge_condition(rel, rel_var, node_var, {"node": nested.where}, params, depth)
    edge_entries = []
    for name in nested.edge_scalars:
        if name not in rel.edge:
            raise QueryCompileError(f"{rel.name} edges have no field {name!r}")
        edge_entries.append(f"{name}: {rel_var}.{rel.edge[name].prop}")
    node = (
        _projection(nested.node, node_var, params, depth) if nested.node else "{__uid: " + node_var + ".uid}"
    )
    edge_entries.append("node: " + node)
    limit = params.add(min(max(nested.first, 0), MAX_NESTED))
    # A COLLECT subquery (not a pattern comprehension) so each nested list is ordered and bounded.
    return (
        f"COLLECT {{ MATCH {_pattern(var, rel, rel_var, node_var)} WHERE {condition} "
        f"WITH {rel_var}, {node_var} ORDER BY {node_var}.uid LIMIT {limit} "
        f"RETURN {{{', '.join(edge_entries)}}} }}"
    )


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _safe_key(key: str) -> str:
    # Response keys are GraphQL names or aliases (already [_A-Za-z][_0-9A-Za-z]* by the GraphQL grammar).
    if not _KEY.match(key):
        raise QueryCompileError(f"invalid response key {key!r}")
    return key


# ------------------------------------------------------------------------------------------------ statements


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(cursor.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value) + 1
    except ValueError as error:
        raise QueryCompileError(f"invalid cursor {cursor!r}") from error


def page_statement(
    selection: Selection, where: dict[str, Any] | None, sort: list[Sort], first: int, after: str | None
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
    return text, params.values  # built from GRAPH_MODEL names only; values are parameters


def count_statement(label: str, where: dict[str, Any] | None) -> tuple[LiteralString, dict[str, Any]]:
    """``totalCount``: counts in the database, never by collecting the nodes."""
    params = _Params()
    meta = _label(label)
    text = f"MATCH (n:{meta.label}) WHERE {where_clause(label, 'n', where, params)} RETURN count(n) AS total"
    return text, params.values  # built from GRAPH_MODEL names only; values are parameters


def node_statement(selection: Selection, uid: str) -> tuple[LiteralString, dict[str, Any]]:
    params = _Params()
    meta = _label(selection.label)
    key = params.add(uid)
    text = f"MATCH (n:{meta.label} {{uid: {key}}}) RETURN n {_projection(selection, 'n', params, 0)} AS node"
    return text, params.values  # built from GRAPH_MODEL names only; values are parameters

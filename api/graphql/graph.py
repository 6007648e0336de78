# mypy: disable-error-code="valid-type,name-defined,misc"
# The types below are built at import time from the graph model; mypy cannot follow class objects used as
# annotations, so those three checks are off for this module only.
"""GraphQL types for every label of the graph model, generated from queries.graph_read.GRAPH_MODEL.

Per label ``L``: an object type ``L`` (scalars, ``id`` = "L:uid", and one field per relationship returning edges
with the relationship's properties and the ``node``), a ``LWhere`` filter input (scalar operators, ``some`` /
``none`` / ``all`` on relationships, ``AND`` / ``OR`` / ``NOT``), ``LSort``, and a Relay ``LConnection`` with
``totalCount``. A root field (``cities``, ``projects``…) compiles the whole selection into one Cypher statement;
nested relationship fields only read what that statement fetched.

The types are generated, not hand-written, so they cannot drift from the model; they are still separate from
the neomodel classes, and ``to_node`` is the one explicit converter from a fetched row to GraphQL objects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.graphql.permissions import CanRead
from queries.graph_read import (
    DEFAULT_PAGE,
    GRAPH_MODEL,
    LabelMeta,
    QueryCompileError,
    RelMeta,
    RelSelection,
    ScalarKind,
    Selection,
    Sort,
    count_statement,
    decode_cursor,
    encode_cursor,
    page_statement,
)
from queries.replication import run_read
from schema.naming import snake_case

MODULE = sys.modules[__name__]

# ------------------------------------------------------------------------------------------------ filters


@strawberry.input(description="String operators; contains / startsWith / endsWith ignore case.")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None)
    contains: str | None = None
    starts_with: str | None = None
    ends_with: str | None = None


@strawberry.input
class IntFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(name="in", default=None)
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input
class FloatFilter:
    eq: float | None = None
    in_: list[float] | None = strawberry.field(name="in", default=None)
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@strawberry.input
class DateFilter:
    eq: dt.date | None = None
    in_: list[dt.date] | None = strawberry.field(name="in", default=None)
    gt: dt.date | None = None
    gte: dt.date | None = None
    lt: dt.date | None = None
    lte: dt.date | None = None


@strawberry.input
class DateTimeFilter:
    eq: dt.datetime | None = None
    gt: dt.datetime | None = None
    gte: dt.datetime | None = None
    lt: dt.datetime | None = None
    lte: dt.datetime | None = None


@strawberry.input
class BooleanFilter:
    eq: bool | None = None


@strawberry.input(description="Matches lists (aliases, outcomes…) that include the value.")
class StringListFilter:
    includes: str | None = None


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


SCALAR_TYPES: dict[ScalarKind, Any] = {
    "string": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "strings": list[str],
}
FILTER_TYPES: dict[ScalarKind, Any] = {
    "string": StringFilter,
    "int": IntFilter,
    "float": FloatFilter,
    "bool": BooleanFilter,
    "date": DateFilter,
    "datetime": DateTimeFilter,
    "strings": StringListFilter,
}
ROOT_FIELDS: dict[str, str] = {
    "City": "cities",
    "Project": "projects",
    "Network": "networks",
    "Organisation": "organisations",
    "ThematicField": "thematicFields",
    "Challenge": "challenges",
    "Solution": "solutions",
    "BestPractice": "bestPractices",
    "Event": "events",
    "Source": "sources",
}


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


# ------------------------------------------------------------------------------------------------ generation


def _connection_total(root: Any) -> int | None:
    # The root resolver ran the count statement only when totalCount was selected.
    total: int | None = root._total
    return total


@dataclass
class _Generated:
    node: type
    where: type
    sort: type
    edge: type
    connection: type
    rel_edges: dict[str, type]


def _new(name: str, annotations: dict[str, Any], namespace: dict[str, Any] | None = None) -> type:
    cls = type(name, (), {"__annotations__": annotations, "__module__": __name__, **(namespace or {})})
    setattr(MODULE, name, cls)
    return cls


def _rel_resolver(where_type: type, edge_type: type) -> Any:
    def resolve(
        root: Any, info: Info, where: where_type | None = None, first: int = DEFAULT_PAGE
    ) -> list[edge_type]:
        # Fetched by the root statement, keyed by response key (alias or name).
        prefetched: dict[str, list[Any]] = root._prefetched
        return prefetched.get(str(info.path.key), [])

    resolve.__annotations__ = {
        "root": Any,
        "info": Info,
        "where": where_type | None,
        "first": int,
        "return": list[edge_type],
    }
    return resolve


def _generate() -> dict[str, _Generated]:
    shells: dict[str, dict[str, type]] = {}
    for label in GRAPH_MODEL:
        shells[label] = {kind: _new(f"{label}{kind}", {}) for kind in ("", "Where", "Edge", "Connection")}
    generated: dict[str, _Generated] = {}
    for label, meta in GRAPH_MODEL.items():
        node, where = shells[label][""], shells[label]["Where"]
        rel_edges: dict[str, type] = {}
        node_fields: dict[str, Any] = {"id": strawberry.ID}
        node_namespace: dict[str, Any] = {}
        where_fields: dict[str, Any] = {}
        for name, scalar in meta.scalars.items():
            node_fields[snake_case(name)] = SCALAR_TYPES[scalar.kind] | None
            where_fields[snake_case(name)] = FILTER_TYPES[scalar.kind] | None
        for name, rel in meta.rels.items():
            target = shells[rel.target]
            edge_type = _rel_edge(label, rel, target[""])
            rel_edges[name] = edge_type
            node_namespace[snake_case(name)] = strawberry.field(
                resolver=_rel_resolver(target["Where"], edge_type),
                description=f"{rel.rel_type} ({'outgoing' if rel.direction == 'out' else 'incoming'}) to {rel.target}",
            )
            where_fields[snake_case(name)] = _rel_filter(label, rel, target["Where"]) | None
        where_fields.update({"AND": list[where] | None, "OR": list[where] | None, "NOT": where | None})
        node.__annotations__.update(node_fields)
        for key, value in node_namespace.items():
            setattr(node, key, value)
        strawberry.type(node, description=f"A {label} of the knowledge graph.")
        where.__annotations__.update(where_fields)
        for key in where_fields:
            setattr(
                where, key, strawberry.field(name=key if key in {"AND", "OR", "NOT"} else None, default=None)
            )
        strawberry.input(where, description=f"Filter {label} nodes; all conditions must hold.")
        members = {snake_case(n).upper(): n for n in meta.scalars}
        sort_field = strawberry.enum(cast(type[Enum], Enum(f"{label}SortField", members)))
        setattr(MODULE, f"{label}SortField", sort_field)
        sort = _new(
            f"{label}Sort",
            {"field": sort_field, "direction": SortDirection},
            {"direction": SortDirection.ASC},
        )
        strawberry.input(sort)
        edge = shells[label]["Edge"]
        edge.__annotations__.update({"cursor": str, "node": node})
        strawberry.type(edge)
        connection = shells[label]["Connection"]
        connection.__annotations__.update({"edges": list[edge], "page_info": PageInfo})
        connection.total_count = strawberry.field(  # type: ignore[attr-defined]
            resolver=_connection_total, description="Counted by the database, not by collecting the nodes."
        )
        strawberry.type(connection)
        generated[label] = _Generated(node, where, sort, edge, connection, rel_edges)
    return generated


def _rel_edge(label: str, rel: RelMeta, target: type) -> type:
    fields: dict[str, Any] = {snake_case(n): SCALAR_TYPES[s.kind] | None for n, s in rel.edge.items()}
    fields["node"] = target
    cls = _new(f"{label}{_pascal(rel.name)}Edge", fields)
    return strawberry.type(
        cls, description=f"{label}.{rel.name}: the {rel.rel_type} relationship and its node."
    )


def _rel_filter(label: str, rel: RelMeta, target_where: type) -> type:
    name = f"{label}{_pascal(rel.name)}"
    edge_fields = {snake_case(n): FILTER_TYPES[s.kind] | None for n, s in rel.edge.items()}
    props = None
    if edge_fields:
        props = _new(f"{name}EdgeWhere", edge_fields, dict.fromkeys(edge_fields))
        strawberry.input(props)
    condition_fields: dict[str, Any] = {"node": target_where | None}
    if props is not None:
        condition_fields["edge"] = props | None
    condition = _new(f"{name}Condition", condition_fields, dict.fromkeys(condition_fields))
    strawberry.input(
        condition, description="The relationship's properties (edge) and the node at its other end."
    )
    quantifiers = {"some": condition | None, "none": condition | None, "all": condition | None}
    filt = _new(f"{name}Filter", quantifiers, dict.fromkeys(quantifiers))
    return strawberry.input(
        filt, description="some: at least one; none: not one; all: every (or there are none)."
    )


# ------------------------------------------------------------------------------------------------ conversion


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def to_node(label: str, row: dict[str, Any], selection: Selection) -> Any:
    """The explicit converter: a fetched map -> the GraphQL object of ``label`` (nested edges included)."""
    meta = GRAPH_MODEL[label]
    values: dict[str, Any] = {snake_case(name): None for name in meta.scalars}
    values.update({snake_case(name): _native(row.get(name)) for name in selection.scalars})
    node = TYPES[label].node(id=f"{label}:{row['__uid']}", **values)
    prefetched: dict[str, list[Any]] = {}
    for key, nested in selection.rels.items():
        rel = meta.rels[nested.rel]
        edge_type = TYPES[label].rel_edges[nested.rel]
        edges = []
        for item in row.get(key) or []:
            edge_values = {snake_case(name): None for name in rel.edge}
            edge_values.update({snake_case(name): _native(item.get(name)) for name in nested.edge_scalars})
            child = to_node(rel.target, item["node"], nested.node or Selection(rel.target))
            edges.append(edge_type(node=child, **edge_values))
        prefetched[key] = edges
    node._prefetched = prefetched
    return node


# ------------------------------------------------------------------------------------------------ selections


def included(field: SelectedField | InlineFragment | FragmentSpread) -> bool:
    """Honour @include / @skip, which selected_fields reports but does not apply."""
    directives = field.directives or {}
    include, skip = directives.get("include"), directives.get("skip")
    return not ((include is not None and not include.get("if")) or (skip is not None and skip.get("if")))


def children(field: SelectedField | InlineFragment | FragmentSpread) -> list[SelectedField]:
    fields: list[SelectedField] = []
    for child in field.selections:
        if not included(child):
            continue
        if isinstance(child, SelectedField):
            fields.append(child)
        else:
            fields.extend(children(child))
    return fields


def node_selection(label: str, fields: list[SelectedField]) -> Selection:
    meta: LabelMeta = GRAPH_MODEL[label]
    selection = Selection(label)
    for field in fields:
        if field.name in meta.scalars and field.name not in selection.scalars:
            selection.scalars.append(field.name)
        elif field.name in meta.rels:
            rel = meta.rels[field.name]
            node_fields = [
                f for edge_field in children(field) if edge_field.name == "node" for f in children(edge_field)
            ]
            edge_scalars = [f.name for f in children(field) if f.name in rel.edge]
            selection.rels[field.alias or field.name] = RelSelection(
                rel=field.name,
                where=field.arguments.get("where"),
                first=int(field.arguments.get("first", DEFAULT_PAGE)),
                edge_scalars=edge_scalars,
                node=node_selection(rel.target, node_fields),
            )
    return selection


# ------------------------------------------------------------------------------------------------ root fields


def _context(info: Info) -> Any:
    context = info.context
    if getattr(context, "engine", None) is None:
        raise GraphQLError("Neo4j is not available", extensions={"code": "SERVICE_UNAVAILABLE"})
    return context


async def read(info: Info, statement: tuple[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    engine = _context(info).engine
    query, params = statement
    return await asyncio.to_thread(
        run_read, engine.driver, query, engine.config.timeout_s, engine.database, **params
    )


def _connection_resolver(label: str) -> Any:
    generated_types = TYPES

    async def resolve(
        info: Info, where: Any = None, sort: Any = None, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Any:
        field = info.selected_fields[0]
        assert isinstance(field, SelectedField)
        arguments = field.arguments
        edges_field = [f for f in children(field) if f.name == "edges"]
        node_fields = [f for e in edges_field for c in children(e) if c.name == "node" for f in children(c)]
        selection = node_selection(label, node_fields)
        # Raw arguments carry enum member names (POPULATION_YEAR); the compiler takes GraphQL field names.
        by_member = {snake_case(name).upper(): name for name in GRAPH_MODEL[label].scalars}
        sorts = [
            Sort(by_member.get(item["field"], item["field"]), item.get("direction") == "DESC")
            for item in arguments.get("sort") or []
        ]
        try:
            statement = page_statement(selection, arguments.get("where"), sorts, first, after)
        except QueryCompileError as error:
            raise GraphQLError(str(error), extensions={"code": "BAD_USER_INPUT"}) from error
        wants_total = any(f.name == "totalCount" and included(f) for f in children(field))
        rows, total = await asyncio.gather(
            read(info, statement),
            read(info, count_statement(label, arguments.get("where"))) if wants_total else _none(),
        )
        offset = decode_cursor(after)
        page = rows[:first]
        types = generated_types[label]
        edges = [
            types.edge(cursor=encode_cursor(offset + i), node=to_node(label, row["node"], selection))
            for i, row in enumerate(page)
        ]
        connection = types.connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
        connection._total = total[0]["total"] if total else None
        return connection

    types = TYPES[label]
    resolve.__annotations__ = {
        "info": Info,
        "where": types.where | None,
        "sort": list[types.sort] | None,
        "first": int,
        "after": str | None,
        "return": types.connection,
    }
    return resolve


async def _none() -> list[dict[str, Any]]:
    return []


TYPES: dict[str, _Generated] = _generate()


def root_fields() -> dict[str, Any]:
    """Fields for the Query type: one connection per label, plus ``node(id:)``."""
    fields = {
        snake_case(ROOT_FIELDS[label]): strawberry.field(
            resolver=_connection_resolver(label),
            description=f"{label} nodes: filter, sort, paginate.",
            permission_classes=[CanRead],
        )
        for label in GRAPH_MODEL
    }
    return fields

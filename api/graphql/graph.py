"""GraphQL types for every label of the graph model, built by ``build_graph_types()`` from ``read_model()``.

Per label ``L``: an object type ``L`` (scalars, ``id`` = "L:uid", and one field per relationship returning edges
with the relationship's properties and the ``node``), a ``LWhere`` filter input (scalar operators, ``some`` /
``none`` / ``all`` on relationships, ``AND`` / ``OR`` / ``NOT``), ``LSort``, and a Relay ``LConnection`` with
``totalCount``. Vocabularies (a city's role, an outcome, a category...) are GraphQL enums whose values are the
stored words, with ``-`` written ``_`` (``data_and_privacy``).

A root field (``cities``, ``projects``...) compiles the whole selection into one Cypher statement; nested
relationship fields only read what that statement fetched, from the ``prefetched`` map every node carries.
Filters reach the compiler from the typed inputs GraphQL coerced: the root field's own arguments as strawberry
builds them, nested fields' arguments coerced by graphql-core and converted by strawberry the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, cast

import strawberry
from strawberry.types import Info

from queries.graph_read import (
    DEFAULT_PAGE,
    FieldFilter,
    LabelMeta,
    RelFilter,
    RelMeta,
    ScalarMeta,
    Selection,
    Where,
    read_model,
)
from schema.naming import snake_case

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


SCALAR_TYPES: dict[str, Any] = {
    "string": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "strings": list[str],
}
FILTER_TYPES: dict[str, Any] = {
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
    "StatusReport": "statusReports",
    "BestPractice": "bestPractices",
    "Driver": "drivers",
    "Event": "events",
    "Source": "sources",
}


# Kept on the objects for the resolvers, never GraphQL fields: the count statement's answer and the nested edges.
PrivateTotal = strawberry.Private[int | None]
PrivatePrefetched = strawberry.Private[dict[str, list[Any]]]


def list_of(item: Any) -> Any:
    """``list[item]`` for a class built at run time (mypy cannot take a variable as a type argument)."""
    return list.__class_getitem__(item)


def _new_enum(name: str, members: dict[str, str]) -> type[Enum]:
    enum: type[Enum] = cast(Any, Enum)(name, members)  # the functional API, with members known at run time
    return enum


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


# ------------------------------------------------------------------------------------------------ the registry


@dataclass
class LabelTypes:
    """The generated GraphQL types of one label."""

    node: type
    where: type
    sort: type
    sort_field: type[Enum]
    edge: type
    connection: type
    rel_edges: dict[str, type]  # GraphQL relationship name -> its edge type
    rel_wheres: dict[str, type]  # GraphQL relationship name -> the target label's Where input


@dataclass
class VocabularyTypes:
    enum: type[Enum]
    filter: type


@dataclass
class GraphTypes:
    """Every generated type, by label; and the GraphQL enum and filter of every vocabulary."""

    labels: dict[str, LabelTypes]
    vocabularies: dict[type[StrEnum], VocabularyTypes]

    def output_value(self, meta: ScalarMeta, value: Any) -> Any:
        """A stored value as GraphQL returns it: vocabulary words as their enum members."""
        value = _native(value)
        if value is None or meta.vocabulary is None:
            return value
        return self.vocabularies[meta.vocabulary].enum(value)


def _graphql_enum(vocabulary: type[StrEnum]) -> VocabularyTypes:
    members = {member.value.replace("-", "_"): member.value for member in vocabulary}
    enum = _new_enum(vocabulary.__name__, members)
    graphql_enum = strawberry.enum(enum, description=(vocabulary.__doc__ or "").strip() or None)
    annotations: dict[str, Any] = {"eq": graphql_enum | None, "in_": list_of(graphql_enum) | None}
    namespace = {"eq": None, "in_": strawberry.field(name="in", default=None)}
    filter_type = _shell(f"{vocabulary.__name__}Filter", annotations, namespace)
    return VocabularyTypes(graphql_enum, strawberry.input(filter_type))


def _shell(name: str, annotations: dict[str, Any], namespace: dict[str, Any] | None = None) -> type:
    """A plain class strawberry will turn into a type; annotations are the class objects themselves."""
    return type(name, (), {"__annotations__": annotations, "__module__": __name__, **(namespace or {})})


class _Builder:
    def __init__(self, model: dict[str, LabelMeta]) -> None:
        self.model = model
        self.vocabularies: dict[type[StrEnum], VocabularyTypes] = {}
        self.shells = {label: self._shells(label) for label in model}

    @staticmethod
    def _shells(label: str) -> dict[str, type]:
        """The four classes of a label, made before any is filled in, because they refer to each other."""
        total_count = strawberry.field(
            resolver=_connection_total, description="Counted by the database, not by collecting the nodes."
        )
        return {
            "": _shell(label, {}, {"prefetched": dataclasses.field(default_factory=dict)}),
            "Where": _shell(f"{label}Where", {}),
            "Edge": _shell(f"{label}Edge", {}),
            "Connection": _shell(f"{label}Connection", {}, {"total": None, "total_count": total_count}),
        }

    def vocabulary(self, vocabulary: type[StrEnum]) -> VocabularyTypes:
        if vocabulary not in self.vocabularies:
            self.vocabularies[vocabulary] = _graphql_enum(vocabulary)
        return self.vocabularies[vocabulary]

    def output_type(self, meta: ScalarMeta) -> Any:
        if meta.vocabulary is not None:
            return self.vocabulary(meta.vocabulary).enum
        return SCALAR_TYPES[meta.kind]

    def filter_type(self, meta: ScalarMeta) -> Any:
        if meta.vocabulary is not None:
            return self.vocabulary(meta.vocabulary).filter
        return FILTER_TYPES[meta.kind]

    def build(self) -> GraphTypes:
        labels = {label: self.label_types(label, meta) for label, meta in self.model.items()}
        return GraphTypes(labels, self.vocabularies)

    def label_types(self, label: str, meta: LabelMeta) -> LabelTypes:
        shells = self.shells[label]
        node, where = shells[""], shells["Where"]
        node_fields: dict[str, Any] = {"id": strawberry.ID}
        node_fields.update({snake_case(n): self.output_type(s) | None for n, s in meta.scalars.items()})
        node_fields["prefetched"] = PrivatePrefetched
        where_fields = {snake_case(n): self.filter_type(s) | None for n, s in meta.scalars.items()}
        rel_edges: dict[str, type] = {}
        rel_wheres: dict[str, type] = {}
        for name, rel in meta.rels.items():
            target = self.shells[rel.target]
            edge_type = self.rel_edge(label, rel, target[""])
            rel_edges[name], rel_wheres[name] = edge_type, target["Where"]
            setattr(
                node,
                snake_case(name),
                strawberry.field(
                    resolver=_rel_resolver(target["Where"], edge_type),
                    description=f"{rel.rel_type} ({'outgoing' if rel.direction == 'out' else 'incoming'}) to {rel.target}",
                ),
            )
            where_fields[snake_case(name)] = self.rel_filter(label, rel, target["Where"]) | None
        where_fields.update({"AND": list_of(where) | None, "OR": list_of(where) | None, "NOT": where | None})
        node.__annotations__.update(node_fields)
        strawberry.type(node, description=f"A {label} of the knowledge graph.")
        where.__annotations__.update(where_fields)
        for key in where_fields:
            graphql_name = key if key in {"AND", "OR", "NOT"} else None
            setattr(where, key, strawberry.field(name=graphql_name, default=None))
        strawberry.input(where, description=f"Filter {label} nodes; all conditions must hold.")
        members = {snake_case(n).upper(): n for n in meta.scalars}
        sort_field = strawberry.enum(_new_enum(f"{label}SortField", members))
        sort = _shell(
            f"{label}Sort",
            {"field": sort_field, "direction": SortDirection},
            {"direction": SortDirection.ASC},
        )
        strawberry.input(sort)
        edge = shells["Edge"]
        edge.__annotations__.update({"cursor": str, "node": node})
        strawberry.type(edge)
        connection = shells["Connection"]
        connection.__annotations__.update(
            {"edges": list_of(edge), "page_info": PageInfo, "total": PrivateTotal}
        )
        strawberry.type(connection)
        return LabelTypes(node, where, sort, sort_field, edge, connection, rel_edges, rel_wheres)

    def rel_edge(self, label: str, rel: RelMeta, target: type) -> type:
        fields: dict[str, Any] = {snake_case(n): self.output_type(s) | None for n, s in rel.edge.items()}
        fields["node"] = target
        cls = _shell(f"{label}{_pascal(rel.name)}Edge", fields)
        return strawberry.type(
            cls, description=f"{label}.{rel.name}: the {rel.rel_type} relationship and its node."
        )

    def rel_filter(self, label: str, rel: RelMeta, target_where: type) -> type:
        name = f"{label}{_pascal(rel.name)}"
        edge_fields = {snake_case(n): self.filter_type(s) | None for n, s in rel.edge.items()}
        props = None
        if edge_fields:
            props = _shell(f"{name}EdgeWhere", edge_fields, dict.fromkeys(edge_fields))
            strawberry.input(props)
        condition_fields: dict[str, Any] = {"node": target_where | None}
        if props is not None:
            condition_fields["edge"] = props | None
        condition = _shell(f"{name}Condition", condition_fields, dict.fromkeys(condition_fields))
        strawberry.input(
            condition, description="The relationship's properties (edge) and the node at its other end."
        )
        quantifiers = {"some": condition | None, "none": condition | None, "all": condition | None}
        filt = _shell(f"{name}Filter", quantifiers, dict.fromkeys(quantifiers))
        return strawberry.input(
            filt, description="some: at least one; none: not one; all: every (or there are none)."
        )


def build_graph_types() -> GraphTypes:
    """Build every label's GraphQL types from the graph model (once per schema)."""
    return _Builder(read_model()).build()


def _connection_total(root: Any) -> int | None:
    # The root resolver ran the count statement only when totalCount was selected.
    total: int | None = root.total
    return total


def _rel_resolver(where_type: type, edge_type: type) -> Any:
    def resolve(root: Any, info: Info, where: Any = None, first: int = DEFAULT_PAGE) -> list[Any]:
        # Fetched by the root statement, keyed by response key (alias or name); the arguments were compiled there.
        prefetched: dict[str, list[Any]] = root.prefetched
        return prefetched.get(str(info.path.key), [])

    resolve.__annotations__ = {
        "root": Any,
        "info": Info,
        "where": where_type | None,
        "first": int,
        "return": list_of(edge_type),
    }
    return resolve


# ------------------------------------------------------------------------------------------------ typed inputs


def _ops(filter_value: Any) -> tuple[tuple[str, Any], ...]:
    """A filter input (``IntFilter(gte=3)``) as operator pairs; python names ``in_`` read as ``in``."""
    return tuple(
        (item.name.rstrip("_"), getattr(filter_value, item.name))
        for item in dataclasses.fields(filter_value)
        if getattr(filter_value, item.name) is not None
    )


def _field_filters(scalars: dict[str, ScalarMeta], value: Any) -> tuple[FieldFilter, ...]:
    filters = []
    for name in scalars:
        filter_value = getattr(value, snake_case(name), None)
        if filter_value is not None:
            filters.append(FieldFilter(name, _ops(filter_value)))
    return tuple(filters)


def to_where(label: str, value: Any) -> Where | None:
    """A ``<Label>Where`` input, as strawberry built it, as the compiler's ``Where``."""
    if value is None:
        return None
    meta = read_model()[label]
    rels: list[RelFilter] = []
    for name, rel in meta.rels.items():
        quantifiers = getattr(value, snake_case(name), None)
        if quantifiers is None:
            continue
        for quantifier in ("some", "none", "all"):
            condition = getattr(quantifiers, quantifier)
            if condition is None:
                continue
            edge = getattr(condition, "edge", None)
            rels.append(
                RelFilter(
                    name,
                    quantifier,
                    _field_filters(rel.edge, edge) if edge is not None else (),
                    to_where(rel.target, condition.node),
                )
            )
    any_of = None if value.OR is None else tuple(_checked(to_where(label, item)) for item in value.OR)
    return Where(
        fields=_field_filters(meta.scalars, value),
        rels=tuple(rels),
        all_of=tuple(_checked(to_where(label, item)) for item in value.AND or ()),
        any_of=any_of,
        negated=to_where(label, value.NOT),
    )


def _checked(where: Where | None) -> Where:
    return where if where is not None else Where()


# ------------------------------------------------------------------------------------------------ conversion


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def to_node(types: GraphTypes, label: str, row: dict[str, Any], selection: Selection) -> Any:
    """The explicit converter: a fetched map -> the GraphQL object of ``label`` (nested edges included)."""
    meta = read_model()[label]
    values: dict[str, Any] = {snake_case(name): None for name in meta.scalars}
    values.update(
        {
            snake_case(name): types.output_value(meta.scalars[name], row.get(name))
            for name in selection.scalars
        }
    )
    prefetched: dict[str, list[Any]] = {}
    for key, nested in selection.rels.items():
        rel = meta.rels[nested.rel]
        edge_type = types.labels[label].rel_edges[nested.rel]
        edges = []
        for item in row.get(key) or []:
            edge_values = {snake_case(name): None for name in rel.edge}
            edge_values.update(
                {snake_case(n): types.output_value(rel.edge[n], item.get(n)) for n in nested.edge_scalars}
            )
            child = to_node(types, rel.target, item["node"], nested.node or Selection(rel.target))
            edges.append(edge_type(node=child, **edge_values))
        prefetched[key] = edges
    return types.labels[label].node(id=f"{label}:{row['__uid']}", prefetched=prefetched, **values)

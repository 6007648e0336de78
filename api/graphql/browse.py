"""node(id:), full-text search and aggregate counts: the analyst's and the dashboard's entry points."""

from __future__ import annotations

from typing import Annotated, Any, LiteralString, Union

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from api.graphql.context import Context, graphql_error, read
from api.graphql.graph import GraphTypes, to_node
from api.graphql.permissions import CanRead
from api.graphql.selection import SelectionReader
from kg.core.errors import InvalidInputError
from queries import browse
from queries.graph_read import MAX_PAGE, node_statement, read_model


@strawberry.type(description="A node found by full-text search over names and aliases (accents folded).")
class SearchHit:
    label: str
    uid: str
    name: str | None
    score: float

    id: strawberry.ID = strawberry.field(
        resolver=lambda root: strawberry.ID(f"{root.label}:{root.uid}"),
        permission_classes=[CanRead],
        description="The global id, for node(id:).",
    )


@strawberry.type
class Count:
    key: str
    count: int


@strawberry.type(description="Counts for dashboards, computed by the database.")
class Aggregates:
    labels: list[Count]
    city_roles: list[Count]
    challenges_by_field: list[Count]
    challenges_by_category: list[Count]
    outcomes: list[Count]


async def _counts(info: Info[Context, None], query: LiteralString, **params: Any) -> list[Count]:
    rows = await read(info, (query, params))
    return [Count(key=str(row["key"]), count=int(row["count"])) for row in rows]


def _bad(message: str) -> GraphQLError:
    return graphql_error(InvalidInputError(message))


def node_field(types: GraphTypes) -> Any:
    """``node(id:)``: any node by its global id, typed as the union of every label's type."""
    any_node: Any = Annotated[
        Union[tuple(label_types.node for label_types in types.labels.values())],  # noqa: UP007
        strawberry.union("AnyNode"),
    ]

    async def resolve(info: Info[Context, None], id: strawberry.ID) -> Any:
        label, _, uid = str(id).partition(":")
        if label not in read_model() or not uid:
            raise _bad(f'an id is "Label:uid" with a known label, not {str(id)[:60]!r}')
        selection = SelectionReader(info, types).node_selection(
            label, SelectionReader(info, types).root_nodes()
        )
        rows = await read(info, node_statement(selection, uid))
        return to_node(types, label, rows[0]["node"], selection) if rows else None

    resolve.__annotations__ = {"info": Info[Context, None], "id": strawberry.ID, "return": any_node | None}
    return strawberry.field(
        resolver=resolve,
        permission_classes=[CanRead],
        description='Any node by its global id "Label:uid" (e.g. "City:lyon"); null if absent.',
    )


async def search(
    info: Info[Context, None], text: str, labels: list[str] | None = None, first: int = 20
) -> list[SearchHit]:
    if not 1 <= first <= MAX_PAGE:
        raise _bad(f"first must be between 1 and {MAX_PAGE}")
    known = list(read_model())
    unknown = sorted(set(labels or []) - set(known))
    if unknown:
        raise _bad(f"unknown labels: {', '.join(label[:40] for label in unknown[:10])}")
    terms = browse.lucene_terms(text)
    if not terms:
        return []
    rows = await read(info, (browse.SEARCH_NAMES, {"text": terms, "labels": labels or known, "first": first}))
    return [SearchHit(label=r["label"], uid=r["uid"], name=r["name"], score=float(r["score"])) for r in rows]


async def aggregates(info: Info[Context, None]) -> Aggregates:
    return Aggregates(
        labels=await _counts(info, browse.COUNT_BY_LABEL, labels=list(read_model())),
        city_roles=await _counts(info, browse.COUNT_CITY_ROLES),
        challenges_by_field=await _counts(info, browse.COUNT_CHALLENGES_BY_FIELD),
        challenges_by_category=await _counts(info, browse.COUNT_CHALLENGES_BY_CATEGORY),
        outcomes=await _counts(info, browse.COUNT_OUTCOMES),
    )


def browse_query(types: GraphTypes) -> type:
    """``node``, ``search`` and ``aggregates``, as a query type the schema composes."""
    namespace = {
        "node": node_field(types),
        "search": strawberry.field(
            resolver=search,
            permission_classes=[CanRead],
            description="Full-text search across names and aliases of the given labels (default all).",
        ),
        "aggregates": strawberry.field(
            resolver=aggregates,
            permission_classes=[CanRead],
            description="Counts per label, per city role, per thematic field, per category, per outcome.",
        ),
    }
    return strawberry.type(type("BrowseQuery", (), namespace))

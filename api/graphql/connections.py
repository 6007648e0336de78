"""The root connection fields (``cities``, ``projects``...): one Cypher statement per page, one more for
``totalCount`` when it is asked."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, graphql_error, read
from api.graphql.graph import ROOT_FIELDS, GraphTypes, PageInfo, SortDirection, list_of, to_node, to_where
from api.graphql.permissions import CanRead
from api.graphql.selection import SelectionReader
from queries.graph_read import (
    DEFAULT_PAGE,
    QueryCompileError,
    Sort,
    count_statement,
    decode_cursor,
    encode_cursor,
    page_statement,
    read_model,
)
from schema.naming import snake_case


def _sorts(label: str, sort: list[Any] | None) -> list[Sort]:
    # Sort enum members carry the GraphQL field name as their value.
    return [Sort(str(item.field.value), item.direction is SortDirection.DESC) for item in sort or []]


def _connection_resolver(types: GraphTypes, label: str) -> Any:
    label_types = types.labels[label]

    async def resolve(
        info: Info[Context, None],
        where: Any = None,
        sort: Any = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Any:
        selection, wants_total = SelectionReader(info, types).connection_selection(label)
        condition = to_where(label, where)
        try:
            statement = page_statement(selection, condition, _sorts(label, sort), first, after)
            offset = decode_cursor(after)
        except QueryCompileError as error:
            raise graphql_error(error) from error
        rows, total = await asyncio.gather(
            read(info, statement),
            read(info, count_statement(label, condition)) if wants_total else _nothing(),
        )
        edges = [
            label_types.edge(
                cursor=encode_cursor(offset + i), node=to_node(types, label, row["node"], selection)
            )
            for i, row in enumerate(rows[:first])
        ]
        return label_types.connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total=total[0]["total"] if total else None,
        )

    resolve.__annotations__ = {
        "info": Info[Context, None],
        "where": label_types.where | None,
        "sort": list_of(label_types.sort) | None,
        "first": int,
        "after": str | None,
        "return": label_types.connection,
    }
    return resolve


async def _nothing() -> list[dict[str, Any]]:
    return []


def connection_fields(types: GraphTypes) -> dict[str, Any]:
    """Fields for the Query type: one connection per label."""
    return {
        snake_case(ROOT_FIELDS[label]): strawberry.field(
            resolver=_connection_resolver(types, label),
            description=f"{label} nodes: filter, sort, paginate.",
            permission_classes=[CanRead],
        )
        for label in read_model()
    }

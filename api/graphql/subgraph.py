"""``exportGraph``: a selection of the graph (kg/export) as node-link JSON, for notebooks that speak GraphQL.

The same selections as ``GET /export/{format}`` (never Cypher), under the same node cap and read permission.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import Context, call, graphql_error
from api.graphql.permissions import CanRead
from kg.core.database import Database
from kg.core.errors import KGError
from kg.export import chosen_selection, select, to_networkx
from kg.export.graphs import node_link_data
from kg.replication import ReplicationEngine


async def _export_graph(
    info: Info[Context, None],
    around: str | None = None,
    hops: int = 1,
    project: str | None = None,
    network: str | None = None,
    field: str | None = None,
    city: str | None = None,
    match: str | None = None,
    candidates: str | None = None,
    labels: list[str] | None = None,
    types: list[str] | None = None,
) -> JSON:
    try:
        selection = chosen_selection(
            around=around,
            hops=hops,
            project=project,
            network=network,
            field=field,
            city=city,
            match=match,
            candidates=candidates,
            labels=labels or (),
            types=types or (),
        )
    except KGError as error:
        raise graphql_error(error) from error
    embedder, max_nodes = info.context.embedder, info.context.export_max_nodes

    def work(db: Database) -> Any:
        subgraph = select(db, selection, max_nodes, engine=ReplicationEngine(db, embedder))
        return node_link_data(to_networkx(subgraph))

    return await call(info, work)


@strawberry.type
class SubgraphQuery:
    export_graph = strawberry.field(
        resolver=_export_graph,
        permission_classes=[CanRead],
        description=(
            "A subgraph as node-link JSON (networkx.node_link_graph(data, edges='edges') reads it): the whole "
            "graph, or one of around (+hops), project, network, field, city, match ('FOLLOWER:LIGHTHOUSE') or "
            "candidates (a solution); labels and types narrow it. Dates are ISO strings, named in graph.encoded. "
            "More nodes than the export cap is BAD_USER_INPUT."
        ),
    )

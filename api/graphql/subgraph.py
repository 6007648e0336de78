"""``exportGraph``: a selection of the graph (kg/export) as node-link JSON, for notebooks that speak GraphQL.

The same selections as ``GET /export/{format}`` (never Cypher), under the same node cap and read permission;
the input type is derived from kg.export's ``SelectionRequest``, so the three entry points cannot drift.
"""

from __future__ import annotations

from typing import Any

import strawberry
from pydantic import ValidationError
from strawberry.experimental.pydantic import input as pydantic_input
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import Context, call, graphql_error
from api.graphql.permissions import CanRead
from kg.core.database import Database
from kg.core.errors import InvalidInputError, KGError
from kg.export import SelectionOptions, select, to_networkx
from kg.export.graphs import node_link_data
from kg.export.request import TARGETS
from kg.replication import ReplicationEngine


@pydantic_input(
    model=SelectionOptions, all_fields=True, description="One selection; none is the whole graph."
)
class ExportSelection:
    """kg.export.SelectionOptions: never Cypher, which is for the CLI and Python only."""


async def _export_graph(info: Info[Context, None], selection: ExportSelection | None = None) -> JSON:
    try:
        chosen = (selection.to_pydantic() if selection else SelectionOptions()).selection()
    except ValidationError as error:
        raise graphql_error(InvalidInputError(f"selection: {error.errors()[0]['msg']}")) from error
    except KGError as error:
        raise graphql_error(error) from error
    embedder, max_nodes = info.context.embedder, info.context.export_max_nodes

    def work(db: Database) -> Any:
        subgraph = select(db, chosen, max_nodes, engine=ReplicationEngine(db, embedder))
        return node_link_data(to_networkx(subgraph))

    return await call(info, work)


@strawberry.type
class SubgraphQuery:
    export_graph = strawberry.field(
        resolver=_export_graph,
        permission_classes=[CanRead],
        description=(
            "A subgraph as node-link JSON (networkx.node_link_graph(data, edges='edges') reads it): the whole "
            f"graph, or one of {', '.join(t for t in TARGETS if t != 'cypher')} (match: 'FOLLOWER:LIGHTHOUSE'; "
            "candidates: a solution); labels and types narrow it. Dates are ISO strings, named in graph.encoded. "
            "More nodes than the export cap is BAD_USER_INPUT."
        ),
    )

"""Subgraph export for researchers: a selection of the graph as NetworkX, GraphML, GEXF, node-link JSON or kg-json.

``subgraph(...)`` is the notebook entry point: a URI and credentials are all it needs.

Example (runs against the test server in ``make test``):
    >>> graph = subgraph(uri, user, password, city="lyon")
    >>> graph.nodes["City:lyon"]["name"], graph.nodes["City:lyon"]["label"]
    ('Lyon', 'City')
    >>> graph.edges["City:lyon", "Project:smarter-together", "PARTICIPATES_IN"]["role"]
    'lighthouse'
    >>> graph.graph["kb_version"] is not None
    True
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.export.graphs import (
    CONTENT_TYPES,
    FORMATS,
    SUFFIXES,
    Format,
    iter_format,
    read_gexf,
    read_graphml,
    read_node_link,
    render,
    to_networkx,
    write,
)
from kg.export.request import SelectionOptions, SelectionRequest
from kg.export.selection import (
    DEFAULT_MAX_NODES,
    ExportEdge,
    ExportNode,
    Progress,
    Selection,
    SelectionKind,
    SelectionTooLargeError,
    Subgraph,
    UnsafeQueryError,
    select,
)

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_MAX_NODES",
    "FORMATS",
    "SUFFIXES",
    "ExportEdge",
    "ExportNode",
    "Format",
    "Progress",
    "Selection",
    "SelectionKind",
    "SelectionOptions",
    "SelectionRequest",
    "SelectionTooLargeError",
    "Subgraph",
    "UnsafeQueryError",
    "iter_format",
    "read_gexf",
    "read_graphml",
    "read_node_link",
    "render",
    "select",
    "subgraph",
    "to_networkx",
    "write",
]


def subgraph(
    uri: str,
    user: str = "neo4j",
    password: str = "",
    *,
    database: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout_s: float = 60.0,
    **selection: Any,
) -> nx.MultiDiGraph:
    """A selection of the knowledge base at ``uri`` as a NetworkX MultiDiGraph; no selection is the whole graph.

    ``selection`` takes ``SelectionRequest``'s options: one of ``around="Lyon"`` (with ``hops=2``),
    ``project=``, ``network=``, ``field=``, ``city=``, ``match="sofia:munich"``, ``candidates=`` (a solution) or
    ``cypher=`` (read-only), and ``labels=[...]``, ``types=[...]``, ``with_embeddings=True``; an unknown option
    is an error. Each selection's reach is documented in ``kg.export.selection``.
    """
    chosen = SelectionRequest.parse(**selection).selection()
    with Database.connect(Neo4jConnection(uri, user, password, database), timeout_s=timeout_s) as db:
        return to_networkx(select(db, chosen, max_nodes))

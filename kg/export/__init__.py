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

from collections.abc import Sequence

import networkx as nx

from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.errors import InvalidInputError
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
    "SelectionTooLargeError",
    "Subgraph",
    "UnsafeQueryError",
    "chosen_selection",
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


def chosen_selection(
    *,
    around: str | None = None,
    hops: int = 1,
    project: str | None = None,
    network: str | None = None,
    field: str | None = None,
    city: str | None = None,
    match: str | None = None,
    candidates: str | None = None,
    cypher: str | None = None,
    labels: Sequence[str] = (),
    types: Sequence[str] = (),
    with_embeddings: bool = False,
) -> Selection:
    """The one selection the keyword arguments name (none of them: the whole graph); two is an error."""
    given = {
        name: value
        for name, value in {
            "around": around,
            "project": project,
            "network": network,
            "field": field,
            "city": city,
            "match": match,
            "candidates": candidates,
            "cypher": cypher,
        }.items()
        if value is not None
    }
    if len(given) > 1:
        raise InvalidInputError(f"choose one selection, not {' and '.join(sorted(given))}")
    narrowing = {"labels": tuple(labels), "types": tuple(types), "with_embeddings": with_embeddings}
    if not given:
        return Selection.whole(**narrowing)
    ((kind, target),) = given.items()
    if kind == "around":
        return Selection.around(target, hops, **narrowing)
    if kind == "cypher":
        return Selection.cypher(target, **narrowing)
    return Selection.of(kind, target, **narrowing)


def subgraph(
    uri: str,
    user: str = "neo4j",
    password: str = "",
    *,
    database: str | None = None,
    around: str | None = None,
    hops: int = 1,
    project: str | None = None,
    network: str | None = None,
    field: str | None = None,
    city: str | None = None,
    match: str | None = None,
    candidates: str | None = None,
    cypher: str | None = None,
    labels: Sequence[str] = (),
    types: Sequence[str] = (),
    with_embeddings: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout_s: float = 60.0,
) -> nx.MultiDiGraph:
    """A selection of the knowledge base at ``uri`` as a NetworkX MultiDiGraph; no selection is the whole graph.

    One of ``around`` (with ``hops``), ``project``, ``network``, ``field``, ``city``, ``match``
    (``"FOLLOWER:LIGHTHOUSE"``), ``candidates`` (a solution) or ``cypher`` (read-only); ``labels`` and ``types``
    narrow it. Each selection's reach is documented in ``kg.export.selection``.
    """
    chosen = chosen_selection(
        around=around,
        hops=hops,
        project=project,
        network=network,
        field=field,
        city=city,
        match=match,
        candidates=candidates,
        cypher=cypher,
        labels=labels,
        types=types,
        with_embeddings=with_embeddings,
    )
    with Database.connect(Neo4jConnection(uri, user, password, database), timeout_s=timeout_s) as db:
        return to_networkx(select(db, chosen, max_nodes))

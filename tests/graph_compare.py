"""Comparing NetworkX graphs value by value *and type by type* (1 == 1.0 == True would hide a change)."""

from __future__ import annotations

from typing import Any

import networkx as nx


def _pairs(data: dict[str, Any], dropped: frozenset[str]) -> dict[str, Any]:
    return {key: (type(value).__name__, value) for key, value in data.items() if key not in dropped}


def typed(graph: nx.MultiDiGraph, dropped: frozenset[str] = frozenset()) -> tuple[Any, Any, Any]:
    """Nodes, edges and graph metadata with every value paired with its type's name; ``dropped`` names left out."""
    nodes = {node: _pairs(data, dropped) for node, data in graph.nodes(data=True)}
    edges = sorted(
        (u, v, k, sorted(_pairs(d, dropped).items())) for u, v, k, d in graph.edges(keys=True, data=True)
    )
    return nodes, edges, graph.graph

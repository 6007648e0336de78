"""The JSON feeds behind kg's pages: each view's selection (kg/export) as nodes, edges, legend and the facts'
passages, plus what a view adds (a match's factors and reason, a solution's timeline), the map's cities and
the home page's counts. Every feed is plain JSON (dates as ISO strings) and the pages render it as text only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kg.core.database import Database
from kg.core.errors import NotFoundError
from kg.export import Selection, SelectionOptions, Subgraph, select
from kg.export.selection import native
from kg.replication import Match, ReplicationEngine, SolutionCandidates
from queries import views as q
from queries.system import read_kb_version

# The edge property a view prints on the edge (roles and outcomes), by relationship type.
CAPTIONS = {"PARTICIPATES_IN": "role", "PARTNER_IN": "role", "ADDRESSES": "outcome", "NEEDS": "need"}
HIDDEN_IN_VIEWS = frozenset({"embedding", "embedding_text", "sha256"})


def _plain(value: Any) -> Any:
    value = native(value)  # neo4j.time.Date / DateTime from a raw row become datetime's
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def graph_feed(subgraph: Subgraph) -> dict[str, Any]:
    """A subgraph as the views draw it: nodes with their name and label, edges with a caption and passages."""
    nodes = [
        {
            "id": node.id,
            "label": node.label,
            "name": node.properties.get("name") or node.id,
            "properties": {k: _plain(v) for k, v in node.properties.items() if k not in HIDDEN_IN_VIEWS},
        }
        for node in subgraph.nodes
    ]
    edges = []
    for index, edge in enumerate(subgraph.edges):
        caption = edge.properties.get(CAPTIONS.get(edge.type, ""), "")
        edges.append(
            {
                "id": f"{edge.type}:{edge.start}->{edge.end}",
                "source": edge.start,
                "target": edge.end,
                "type": edge.type,
                "caption": str(caption or ""),
                "source_ids": list(edge.properties.get("source_ids") or []),
                "quotes": list(edge.properties.get("quotes") or []),
                "order": index,
            }
        )
    return {
        "selection": subgraph.selection.describe(),
        "kb_version": subgraph.kb_version,
        "nodes": nodes,
        "edges": edges,
    }


def _selected(
    db: Database, selection: Selection, max_nodes: int, engine: ReplicationEngine
) -> dict[str, Any]:
    return graph_feed(select(db, selection, max_nodes, engine=engine))


def _explained(
    db: Database, selection: Selection, max_nodes: int, engine: ReplicationEngine
) -> tuple[dict[str, Any], Any]:
    subgraph = select(db, selection, max_nodes, engine=engine)
    return graph_feed(subgraph), subgraph.explanation


def entity_feed(
    db: Database, kind: str, target: str, max_nodes: int, engine: ReplicationEngine
) -> dict[str, Any]:
    """``city``, ``project``, ``field`` or ``candidates``: that selection; ``solution``: the solution, its
    neighbours and its Common Reporting timeline."""
    if kind == "solution":
        feed = _selected(db, Selection.around(f"Solution:{target}", 1), max_nodes, engine)
        rows = db.read(q.SOLUTION_TIMELINE, uid=target)
        if not rows:
            raise NotFoundError(f"no solution has the public id {target[:200]!r}")
        feed["extra"] = {
            "timeline": [{k: _plain(v) for k, v in period.items()} for period in rows[0]["timeline"]]
        }
        return feed
    feed, answer = _explained(db, Selection.of(kind, target), max_nodes, engine)
    if isinstance(answer, SolutionCandidates):
        feed["extra"] = {
            "note": answer.note,
            "candidates": [
                {"uid": m.follower.uid, "name": m.follower.name, "score": m.score} for m in answer.candidates
            ],
        }
    return feed


def match_feed(
    db: Database, follower: str, lighthouse: str, max_nodes: int, engine: ReplicationEngine
) -> dict[str, Any]:
    """The explanation subgraph of one match, with its score, one-sentence reason and factors."""
    feed, match = _explained(db, Selection.of("match", f"{follower}:{lighthouse}"), max_nodes, engine)
    assert isinstance(match, Match)  # a match selection always carries its match
    feed["extra"] = {
        "score": match.score,
        "reason": match.reason,
        "factors": [
            {"name": name, "value": factor.value, "weight": factor.weight, "detail": factor.detail}
            for name, factor in match.factors.items()
        ],
    }
    return feed


def graph_options_feed(
    db: Database, options: SelectionOptions, max_nodes: int, engine: ReplicationEngine
) -> dict[str, Any]:
    """``/views/graph?...``: any selection the HTTP export accepts."""
    return _selected(db, options.selection(), max_nodes, engine)


def map_feed(db: Database) -> dict[str, Any]:
    """Every city with its coordinates (null when unknown), its role across projects and its solutions."""
    return {"kb_version": read_kb_version(db), "cities": db.read(q.MAP_CITIES)}


def home_feed(db: Database, labels: list[str]) -> dict[str, Any]:
    rows = db.read(q.HOME, labels=labels)
    return {"kb_version": read_kb_version(db), **rows[0]}


def source_feed(db: Database, uid: str) -> dict[str, Any]:
    """A source and every passage kg stores from it: the nodes it states and the relationships that cite it."""
    rows = db.read(q.SOURCE_PASSAGES, uid=uid)
    if not rows:
        raise NotFoundError(f"no source has the public id {uid[:200]!r}")
    source = rows[0]
    return {
        "source": {k: _plain(v) for k, v in source["source"].items() if k not in HIDDEN_IN_VIEWS},
        "nodes": source["nodes"],
        "relationships": source["relationships"],
    }

"""Subgraph selection: which nodes and relationships an export (and a dashboard view) takes, read in one shape.

A selection is computed in three steps: its *reach* (a set of nodes), the *sources* behind that reach, then the
*induced subgraph* — every relationship of the model between two selected nodes. Only domain labels and types
leave (never ImportRun, Resolution or KGMeta nodes, nor LOADED_BY links). ``--labels`` and ``--types`` narrow any
selection: nodes of other labels and relationships of other types are dropped after the reach is computed.

The reach of each kind, exactly:

- ``whole``: every node.
- ``around`` (node, ``hops`` = k, default 1): the node (by global id ``City:lyon``, public id ``lyon``, name or
  alias; an ambiguous name is an error listing the candidates) and every node reachable in at most k steps in
  either direction, stepping only along ``--types`` and onto ``--labels`` when given. No sources are added
  beyond those within the k steps.
- ``project``: the project; its cities (any role); the organisations partner in it; its thematic fields; the
  challenges the project or any of its cities faces; the solutions part of the project or implemented in its
  cities, and the challenges those solutions address; the best practices learned from it.
- ``city``: the city; its projects (the role is on the PARTICIPATES_IN edge); its networks; the challenges it
  faces; the fields it needs; the solutions implemented in it and the challenges they address; the organisations
  located in it; its drivers; the events held in it.
- ``network``: the network; its member cities, projects and organisations; the networks it is part of or that
  are part of it; the events it organised; the challenges its members face.
- ``field``: the thematic field; its challenges, solutions and best practices (IN_FIELD); the projects working
  on it; the cities that need it or face one of its challenges; the solutions and best practices addressing one
  of its challenges.
- ``match`` (``FOLLOWER:LIGHTHOUSE``): the explanation of that replication match — both cities, the challenges
  they share (the follower's and the lighthouse's wording, and the project a barrier is attributed through when
  it is the project's rather than the city's own), the fields of met needs, the solutions and their
  organisations, the shared projects and networks, the drivers, and the sources its evidence quotes.
- ``candidates`` (a solution): the solution, its lighthouse city, the challenges it addresses and, for each of the
  top follower candidates (``top``, default 10, as ``replicationCandidates``), that match's explanation.
- ``cypher``: exactly the nodes, relationships and paths a read-only query returns (a relationship brings its
  two end nodes, a path all of its nodes and relationships); return relationships or paths to get edges.
  From the CLI and Python only; refused before it runs unless the server's plan says it only reads, and run in a
  read transaction under the query timeout, so the server refuses any write as well.

Every kind except ``around`` and ``cypher`` then adds its *sources*: the Source nodes the selected nodes are
SOURCED_FROM and those the relationships among them cite in ``source_ids``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

import neo4j.time
from neo4j import ManagedTransaction
from neo4j.exceptions import ClientError
from neo4j.graph import Node, Path, Relationship

from kg.core.database import Database
from kg.core.errors import InvalidInputError, NotFoundError
from kg.replication import Match, ReplicationEngine, SolutionCandidates
from queries import export as q
from queries.browse import lucene_phrase
from queries.system import read_kb_version
from schema import graph_model

CHUNK = 5_000  # ids per read statement
MAX_HOPS = 10
DEFAULT_MAX_NODES = 200_000
DEFAULT_CANDIDATES = 10
EMBEDDING_PROPERTIES = frozenset({"embedding", "embedding_text"})
# Plan operators that read outside the graph or write; refused in a --cypher selection before it runs.
_REFUSED_OPERATORS = ("loadcsv", "create", "merge", "delete", "detachdelete", "set", "remove", "foreach")

Progress = Callable[[str, int, int], None]  # (phase, done, total)


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


class SelectionKind(StrEnum):
    WHOLE = "whole"
    AROUND = "around"
    PROJECT = "project"
    NETWORK = "network"
    FIELD = "field"
    CITY = "city"
    MATCH = "match"
    CANDIDATES = "candidates"
    CYPHER = "cypher"


_ANCHOR_LABELS = {
    SelectionKind.PROJECT: "Project",
    SelectionKind.NETWORK: "Network",
    SelectionKind.FIELD: "ThematicField",
    SelectionKind.CITY: "City",
}
_REACHES: dict[SelectionKind, LiteralString] = {
    SelectionKind.PROJECT: q.PROJECT_REACH,
    SelectionKind.NETWORK: q.NETWORK_REACH,
    SelectionKind.FIELD: q.FIELD_REACH,
    SelectionKind.CITY: q.CITY_REACH,
}


class SelectionTooLargeError(InvalidInputError):
    """A selection with more nodes than the export's node cap."""


class UnsafeQueryError(InvalidInputError):
    """A --cypher selection that would write, load files or call a write procedure."""


@dataclass(frozen=True)
class Selection:
    """What to export. Build one with the class methods; ``describe()`` is what files and errors call it.

    Example:
        >>> Selection.around("Lyon", hops=2, labels=["City", "Project"]).describe()
        "2 hops around 'Lyon' (labels City, Project)"
    """

    kind: SelectionKind = SelectionKind.WHOLE
    target: str | None = None
    hops: int = 1
    labels: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    with_embeddings: bool = False
    top: int = DEFAULT_CANDIDATES

    def __post_init__(self) -> None:
        model = graph_model()
        unknown_labels = sorted(set(self.labels) - set(model.labels))
        if unknown_labels:
            raise InvalidInputError(
                f"labels: unknown {', '.join(unknown_labels)}; the labels are {', '.join(sorted(model.labels))}"
            )
        unknown_types = sorted(set(self.types) - set(model.edges))
        if unknown_types:
            raise InvalidInputError(
                f"types: unknown {', '.join(unknown_types)}; the types are {', '.join(sorted(model.edges))}"
            )
        if not 0 <= self.hops <= MAX_HOPS:
            raise InvalidInputError(f"hops must be between 0 and {MAX_HOPS}, not {self.hops}")
        if self.kind is not SelectionKind.WHOLE and not (self.target or "").strip():
            raise InvalidInputError(f"a {self.kind.value} selection needs a name or id")
        if self.kind is SelectionKind.MATCH and len(self.match_pair()) != 2:
            raise InvalidInputError(f"match takes FOLLOWER:LIGHTHOUSE, not {self.target!r}")
        if not 1 <= self.top <= 100:
            raise InvalidInputError(f"top must be between 1 and 100, not {self.top}")

    # -- constructors ---------------------------------------------------------------------------------------
    @classmethod
    def whole(cls, **narrowing: Any) -> Selection:
        return cls(SelectionKind.WHOLE, **_narrowing(narrowing))

    @classmethod
    def around(cls, node: str, hops: int = 1, **narrowing: Any) -> Selection:
        return cls(SelectionKind.AROUND, node, hops=hops, **_narrowing(narrowing))

    @classmethod
    def of(cls, kind: SelectionKind | str, target: str, **narrowing: Any) -> Selection:
        """``project``, ``network``, ``field``, ``city``, ``match`` (FOLLOWER:LIGHTHOUSE), ``candidates`` or
        ``cypher``."""
        return cls(SelectionKind(kind), target, **_narrowing(narrowing))

    @classmethod
    def cypher(cls, query: str, **narrowing: Any) -> Selection:
        return cls(SelectionKind.CYPHER, query, **_narrowing(narrowing))

    def match_pair(self) -> list[str]:
        return [part.strip() for part in (self.target or "").split(":") if part.strip()]

    def describe(self) -> str:
        shown = (self.target or "")[:200]
        text = {
            SelectionKind.WHOLE: "the whole graph",
            SelectionKind.AROUND: f"{self.hops} hop{'s' if self.hops != 1 else ''} around {shown!r}",
            SelectionKind.MATCH: f"the match {shown!r}",
            SelectionKind.CANDIDATES: f"the replication candidates of {shown!r} (top {self.top})",
            SelectionKind.CYPHER: f"the Cypher query {shown!r}",
        }.get(self.kind, f"{self.kind.value} {shown!r}")
        narrowing = [
            f"{name} {', '.join(values)}"
            for name, values in (("labels", self.labels), ("types", self.types))
            if values
        ]
        return text + (f" ({'; '.join(narrowing)})" if narrowing else "")

    @property
    def node_labels(self) -> list[str]:
        return sorted(self.labels) if self.labels else q.domain_labels()

    @property
    def rel_types(self) -> list[str]:
        return sorted(self.types) if self.types else q.domain_types()


def _narrowing(options: dict[str, Any]) -> dict[str, Any]:
    """``labels`` / ``types`` as tuples; each value may also be a comma-separated list (``City,Project``)."""
    for name in ("labels", "types"):
        if name in options:
            values = options[name] or ()
            options[name] = tuple(
                part.strip() for value in values for part in value.split(",") if part.strip()
            )
    return options


@dataclass(frozen=True)
class ExportNode:
    id: str  # the global id, "Label:uid"
    label: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ExportEdge:
    start: str
    end: str
    type: str
    properties: dict[str, Any]


@dataclass
class Subgraph:
    """A selection's nodes and relationships, with Python values (dates are ``datetime.date``, lists lists)."""

    selection: Selection
    nodes: list[ExportNode]
    edges: list[ExportEdge]
    kb_version: str | None
    exported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # match and candidates selections: the engine's answer the subgraph explains (score, reason, factors)
    explanation: Match | SolutionCandidates | None = None


# -- property values --------------------------------------------------------------------------------------------


def native(value: Any) -> Any:
    """A driver value as a plain Python one (neo4j.time types become datetime's)."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    if isinstance(value, list):
        return [native(item) for item in value]
    return value


def _kept(declared: Iterable[str], hidden: set[str], with_embeddings: bool) -> frozenset[str]:
    embeddings = EMBEDDING_PROPERTIES if with_embeddings else frozenset()
    return frozenset(name for name in declared if name not in hidden or name in embeddings)


def _node_properties(with_embeddings: bool) -> dict[str, frozenset[str]]:
    return {
        label: _kept(spec.properties, {n for n, p in spec.properties.items() if p.hidden}, with_embeddings)
        for label, spec in graph_model().labels.items()
    }


def _edge_properties() -> dict[str, frozenset[str]]:
    return {
        rel_type: _kept(props, {n for n, p in props.items() if p.hidden}, False)
        for rel_type, props in graph_model().edges.items()
    }


# -- the selection's reach --------------------------------------------------------------------------------------


def _single(db: Database, kind: SelectionKind, text: str, labels: list[str]) -> str:
    """The element id of the one node ``text`` names; an error lists what it could mean."""
    label, _, uid = text.partition(":")
    if uid and label in graph_model().labels:
        rows = db.read(q.NODES_BY_REF, refs=[{"label": label, "uid": uid}])
        if rows[0]["ids"]:
            return str(rows[0]["ids"][0])
    found = db.read(
        q.FIND_ANCHOR, text=text, phrase=lucene_phrase(text), labels=labels, names_index=q.FULLTEXT_INDEX
    )
    if not found:
        what = " or ".join(labels) if len(labels) <= 2 else "node"
        raise NotFoundError(f"{kind.value}: no {what} has the id, name or alias {text[:200]!r}")
    if len(found) > 1:
        listed = ", ".join(f"{row['label']}:{row['uid']} ({row['name']})" for row in found[:20])
        raise InvalidInputError(f"{kind.value}: {text[:200]!r} is ambiguous; use one of: {listed}")
    return str(found[0]["id"])


def _around(db: Database, selection: Selection, max_nodes: int) -> list[str]:
    anchor = _single(db, selection.kind, selection.target or "", q.domain_labels())
    seen, frontier = {anchor}, [anchor]
    for _ in range(selection.hops):
        if not frontier:
            break
        reached: list[str] = []
        for chunk in _chunks(frontier):
            rows = db.read(
                q.NEIGHBOURS, frontier=chunk, labels=selection.node_labels, types=selection.rel_types
            )
            reached.extend(rows[0]["ids"])
        frontier = [node for node in dict.fromkeys(reached) if node not in seen]
        seen.update(frontier)
        _check_size(selection, len(seen), max_nodes, exact=False)
    return list(seen)


def _refs_to_ids(db: Database, refs: Iterable[tuple[str, str]]) -> list[str]:
    rows = db.read(q.NODES_BY_REF, refs=[{"label": label, "uid": uid} for label, uid in sorted(set(refs))])
    return [str(node) for node in rows[0]["ids"]]


def _match_refs(match: Match) -> Iterator[tuple[str, str]]:
    yield from (("City", match.follower.uid), ("City", match.lighthouse.uid))
    for shared in match.shared_challenges:
        yield from (("Challenge", shared.follower_challenge.uid), ("Challenge", shared.matched_challenge.uid))
        if shared.attribution == "project" and shared.via:
            yield "Project", shared.via  # the follower's barrier is its project's
    yield from (("ThematicField", need.field.uid) for need in match.met_needs)
    for solution in match.solutions:
        yield "Solution", solution.uid
        yield from (("Organisation", org.uid) for org in solution.organisations)
    yield from (("Organisation", org.uid) for org in match.organisations)
    yield from (("Source", evidence.source) for evidence in match.evidence)
    yield from (("Project", uid) for uid in match.shared_projects)
    yield from (("Network", uid) for uid in match.shared_networks)
    yield from (("Driver", d.uid) for d in [*match.lighthouse_drivers, *match.follower_drivers])


def _match_reach(db: Database, selection: Selection, engine: ReplicationEngine) -> tuple[list[str], Match]:
    follower, lighthouse = selection.match_pair()
    lighthouse_uid = engine.resolve_city(lighthouse).uid
    matches = engine.matches_for(follower).matches
    found = next((m for m in matches if m.lighthouse.uid == lighthouse_uid), None)
    if found is None:
        listed = ", ".join(m.lighthouse.uid for m in matches) or "none"
        raise NotFoundError(
            f"match: {follower!r} has no match with {lighthouse!r} (its lighthouses: {listed})"
        )
    return _refs_to_ids(db, _match_refs(found)), found


def _candidates_reach(
    db: Database, selection: Selection, engine: ReplicationEngine
) -> tuple[list[str], SolutionCandidates]:
    answer = engine.candidates_for(selection.target or "", top=selection.top)
    refs: list[tuple[str, str]] = [("Solution", answer.solution.uid)]
    refs += [("City", answer.lighthouse.uid)] if answer.lighthouse else []
    refs += [("Challenge", challenge.uid) for challenge in answer.addresses]
    for match in answer.candidates:
        refs += list(_match_refs(match))
    return _refs_to_ids(db, refs), answer


def _with_sources(db: Database, ids: list[str], selection: Selection) -> list[str]:
    rows = db.read(q.SOURCES_OF, ids=ids, types=selection.rel_types)
    return list(dict.fromkeys([*ids, *rows[0]["ids"]]))


Explanation = Match | SolutionCandidates | None


def _reach(
    db: Database, selection: Selection, max_nodes: int, engine: ReplicationEngine | None
) -> tuple[list[str], Explanation]:
    kind = selection.kind
    if kind is SelectionKind.WHOLE:
        return [str(node) for node in db.read(q.WHOLE_GRAPH, labels=selection.node_labels)[0]["ids"]], None
    if kind is SelectionKind.AROUND:
        return _around(db, selection, max_nodes), None
    explanation: Explanation = None
    if kind in _REACHES:
        anchor = _single(db, kind, selection.target or "", [_ANCHOR_LABELS[kind]])
        ids = [str(node) for node in db.read(_REACHES[kind], anchor=anchor)[0]["ids"]]
    elif kind is SelectionKind.MATCH:
        ids, explanation = _match_reach(db, selection, engine or ReplicationEngine(db))
    else:
        ids, explanation = _candidates_reach(db, selection, engine or ReplicationEngine(db))
    return _with_sources(db, ids, selection), explanation


# -- reading the subgraph ---------------------------------------------------------------------------------------


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_size(selection: Selection, size: int, max_nodes: int, exact: bool = True) -> None:
    if size > max_nodes:
        counted = f"{size:,} nodes, more than" if exact else "more nodes than"
        raise SelectionTooLargeError(
            f"{selection.describe()} has {counted} the export cap of {max_nodes:,}: narrow it "
            "(--labels, --types, fewer --hops) or raise the cap (--max-nodes, KG_EXPORT_MAX_NODES)"
        )


def _read_nodes(
    db: Database, ids: list[str], selection: Selection, progress: Progress
) -> dict[str, ExportNode]:
    kept = _node_properties(selection.with_embeddings)
    nodes: dict[str, ExportNode] = {}
    for chunk in _chunks(ids):
        for row in db.read(q.READ_NODES, ids=chunk, labels=selection.node_labels):
            label, props = row["label"], row["properties"]
            properties = {k: native(v) for k, v in sorted(props.items()) if k in kept[label]}
            nodes[row["id"]] = ExportNode(f"{label}:{props['uid']}", label, properties)
        progress("nodes", len(nodes), len(ids))
    return nodes


def _edge(nodes: dict[str, ExportNode], row: dict[str, Any], kept: dict[str, frozenset[str]]) -> ExportEdge:
    props = {k: native(v) for k, v in sorted(row["properties"].items()) if k in kept[row["type"]]}
    return ExportEdge(nodes[row["start"]].id, nodes[row["end"]].id, row["type"], props)


def _read_edges(
    db: Database, nodes: dict[str, ExportNode], selection: Selection, progress: Progress
) -> list[ExportEdge]:
    kept = _edge_properties()
    types = selection.rel_types
    if selection.kind is SelectionKind.WHOLE:
        rows = db.read(q.READ_ALL_RELATIONSHIPS, types=types)
        edges = [_edge(nodes, r, kept) for r in rows if r["start"] in nodes and r["end"] in nodes]
        progress("relationships", len(edges), len(edges))
        return edges
    ids = list(nodes)
    edges = []
    for done, chunk in enumerate(_chunks(ids), start=1):
        rows = db.read(q.READ_INDUCED, ids=chunk, all=ids, types=types)
        edges.extend(_edge(nodes, row, kept) for row in rows)
        progress("relationships", min(done * CHUNK, len(ids)), len(ids))
    return edges


def select(
    db: Database,
    selection: Selection,
    max_nodes: int = DEFAULT_MAX_NODES,
    engine: ReplicationEngine | None = None,
    progress: Progress = _quiet,
) -> Subgraph:
    """The nodes and relationships of ``selection``; more than ``max_nodes`` nodes is an error, never a cut.

    ``engine`` (for ``match`` and ``candidates``) defaults to a ReplicationEngine on ``db`` without a model.
    """
    kb_version = read_kb_version(db)
    if selection.kind is SelectionKind.CYPHER:
        return _cypher_subgraph(db, selection, max_nodes, progress, kb_version)
    ids, explanation = _reach(db, selection, max_nodes, engine)
    _check_size(selection, len(ids), max_nodes)
    nodes = _read_nodes(db, ids, selection, progress)
    edges = _read_edges(db, nodes, selection, progress)
    return Subgraph(selection, list(nodes.values()), edges, kb_version, explanation=explanation)


# -- read-only Cypher -------------------------------------------------------------------------------------------


def _operators(plan: Any) -> Iterator[str]:
    if not plan:
        return
    yield str(plan.get("operatorType", "")).split("@")[0].lower()
    for child in plan.get("children", []):
        yield from _operators(child)


def _check_read_only(tx: ManagedTransaction, query: str) -> None:
    summary = tx.run("EXPLAIN " + query).consume()
    refused = sorted({op for op in _operators(summary.plan) if op.startswith(_REFUSED_OPERATORS)})
    if summary.query_type != "r" or refused:
        detail = f"its plan uses {', '.join(refused)}" if refused else f"query type {summary.query_type!r}"
        raise UnsafeQueryError(
            f"--cypher: only read queries may select a subgraph ({detail}); no write, LOAD CSV or write procedure"
        )


def _graph_items(value: Any, node_ids: dict[str, None], rels: dict[str, Relationship]) -> None:
    if isinstance(value, Node):
        node_ids[value.element_id] = None
    elif isinstance(value, Relationship):
        rels[value.element_id] = value
        for end in (value.start_node, value.end_node):
            if end is not None:
                node_ids[end.element_id] = None
    elif isinstance(value, Path):
        for node in value.nodes:
            node_ids[node.element_id] = None
        for rel in value.relationships:
            _graph_items(rel, node_ids, rels)
    elif isinstance(value, list):
        for item in value:
            _graph_items(item, node_ids, rels)
    elif isinstance(value, dict):
        for item in value.values():
            _graph_items(item, node_ids, rels)


def _run_read_only(
    db: Database, selection: Selection, max_nodes: int
) -> tuple[list[str], list[dict[str, Any]]]:
    query = selection.target or ""

    def work(tx: ManagedTransaction) -> tuple[list[str], list[dict[str, Any]]]:
        _check_read_only(tx, query)
        node_ids: dict[str, None] = {}
        rels: dict[str, Relationship] = {}
        for record in tx.run(query):  # checked above; the server refuses writes too
            for value in record.values():
                _graph_items(value, node_ids, rels)
            if len(node_ids) > max_nodes:
                _check_size(selection, len(node_ids), max_nodes, exact=False)
        rows = [
            {
                "start": rel.start_node.element_id if rel.start_node else None,
                "end": rel.end_node.element_id if rel.end_node else None,
                "type": rel.type,
                "properties": dict(rel),
            }
            for rel in rels.values()
        ]
        return list(node_ids), rows

    try:
        return db.read_transaction(work)
    except ClientError as error:
        if "AccessMode" in (error.code or "") or "Forbidden" in (error.code or ""):
            raise UnsafeQueryError(f"--cypher: the server refused it as a write: {error.message}") from error
        raise InvalidInputError(f"--cypher: {error.message}") from error


def _cypher_subgraph(
    db: Database, selection: Selection, max_nodes: int, progress: Progress, kb_version: str | None
) -> Subgraph:
    ids, rel_rows = _run_read_only(db, selection, max_nodes)
    _check_size(selection, len(ids), max_nodes)
    nodes = _read_nodes(db, ids, selection, progress)
    kept, types = _edge_properties(), set(selection.rel_types)
    edges = [
        _edge(nodes, row, kept)
        for row in rel_rows
        if row["type"] in types and row["start"] in nodes and row["end"] in nodes
    ]
    return Subgraph(selection, list(nodes.values()), edges, kb_version)

"""The Cypher behind subgraph export (kg/export): find an anchor node, compute a selection's reach as element
ids, add the sources behind it, then read the nodes and relationships of that id set in chunks.

Every statement takes the labels and relationship types it may touch as parameters (``$labels``, ``$types``,
from the graph model), so operational nodes (import runs, resolutions, KGMeta) and their links never leave.
Labels reach query text only from ``graph_model()`` (the statements built at import below), never from input.
"""

from __future__ import annotations

from typing import Final, LiteralString

from queries.allowlist import label as allowed_label
from schema import graph_model
from schema.constraints import FULLTEXT_INDEX as FULLTEXT_INDEX


def _by_label_union(body: LiteralString) -> LiteralString:
    """``body`` once per model label (``{L}`` replaced by the label), as one UNION subquery yielding ``n``."""
    branches = [body.replace("{L}", allowed_label(name)) for name in sorted(graph_model().labels)]
    return "\n  UNION\n".join(branches)


# -- anchors ----------------------------------------------------------------------------------------------------

# A node by public id (any label, through each label's uid index), name or alias (full-text index, then compared
# case-insensitively); $labels narrows the labels it may have.
FIND_ANCHOR: Final[LiteralString] = (
    """
CALL () {
"""
    + _by_label_union("    MATCH (n:{L} {uid: $text}) RETURN n")
    + """
  UNION
    CALL db.index.fulltext.queryNodes($names_index, $phrase) YIELD node
    WITH node AS n
    WHERE toLower(n.name) = toLower($text)
       OR any(alias IN coalesce(n.aliases, []) WHERE toLower(alias) = toLower($text))
    RETURN n
}
WITH n WHERE any(l IN labels(n) WHERE l IN $labels)
RETURN elementId(n) AS id, [l IN labels(n) WHERE l IN $labels][0] AS label, n.uid AS uid, n.name AS name
ORDER BY label, uid
"""
)

# Element ids of nodes named by (label, uid) references: $refs = [{label, uid}].
NODES_BY_REF: Final[LiteralString] = (
    """
CALL () {
"""
    + _by_label_union(
        "    UNWIND $refs AS ref WITH ref WHERE ref.label = '{L}' MATCH (n:{L} {uid: ref.uid}) RETURN n"
    )
    + """
}
RETURN collect(DISTINCT elementId(n)) AS ids
"""
)

# -- reaches (documented in kg/export/selection.py) -------------------------------------------------------------

WHOLE_GRAPH: Final[LiteralString] = """
MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels)
RETURN collect(elementId(n)) AS ids
"""

NEIGHBOURS: Final[LiteralString] = """
UNWIND $frontier AS id
MATCH (a) WHERE elementId(a) = id
MATCH (a)-[r]-(b)
WHERE type(r) IN $types AND any(l IN labels(b) WHERE l IN $labels)
RETURN collect(DISTINCT elementId(b)) AS ids
"""

PROJECT_REACH: Final[LiteralString] = """
MATCH (p:Project) WHERE elementId(p) = $anchor
WITH p, COLLECT { MATCH (c:City)-[:PARTICIPATES_IN]->(p) RETURN c } AS cities
WITH p, cities,
     COLLECT { MATCH (s:Solution)-[:PART_OF]->(p) RETURN s }
     + COLLECT { UNWIND cities AS c MATCH (s:Solution)-[:IMPLEMENTED_IN]->(c) RETURN s } AS solutions
WITH [p] + cities + solutions
     + COLLECT { MATCH (o:Organisation)-[:PARTNER_IN]->(p) RETURN o }
     + COLLECT { MATCH (p)-[:WORKS_ON]->(f:ThematicField) RETURN f }
     + COLLECT { MATCH (p)-[:FACES]->(ch:Challenge) RETURN ch }
     + COLLECT { UNWIND cities AS c MATCH (c)-[:FACES]->(ch:Challenge) RETURN ch }
     + COLLECT { UNWIND solutions AS s MATCH (s)-[:ADDRESSES]->(ch:Challenge) RETURN ch }
     + COLLECT { MATCH (b:BestPractice)-[:LEARNED_FROM]->(p) RETURN b } AS reach
UNWIND reach AS x
RETURN collect(DISTINCT elementId(x)) AS ids
"""

CITY_REACH: Final[LiteralString] = """
MATCH (c:City) WHERE elementId(c) = $anchor
WITH c, COLLECT { MATCH (s:Solution)-[:IMPLEMENTED_IN]->(c) RETURN s } AS solutions
WITH [c] + solutions
     + COLLECT { MATCH (c)-[:PARTICIPATES_IN]->(p:Project) RETURN p }
     + COLLECT { MATCH (c)-[:MEMBER_OF]->(n:Network) RETURN n }
     + COLLECT { MATCH (c)-[:FACES]->(ch:Challenge) RETURN ch }
     + COLLECT { MATCH (c)-[:NEEDS]->(f:ThematicField) RETURN f }
     + COLLECT { UNWIND solutions AS s MATCH (s)-[:ADDRESSES]->(ch:Challenge) RETURN ch }
     + COLLECT { MATCH (o:Organisation)-[:LOCATED_IN]->(c) RETURN o }
     + COLLECT { MATCH (c)-[:DRIVEN_BY]->(d:Driver) RETURN d }
     + COLLECT { MATCH (e:Event)-[:HELD_IN]->(c) RETURN e } AS reach
UNWIND reach AS x
RETURN collect(DISTINCT elementId(x)) AS ids
"""

NETWORK_REACH: Final[LiteralString] = """
MATCH (n:Network) WHERE elementId(n) = $anchor
WITH n, COLLECT { MATCH (m)-[:MEMBER_OF]->(n) WHERE m:City OR m:Project OR m:Organisation RETURN m } AS members
WITH [n] + members
     + COLLECT { MATCH (n)-[:PART_OF]-(other:Network) RETURN other }
     + COLLECT { MATCH (e:Event)-[:ORGANISED_BY]->(n) RETURN e }
     + COLLECT { UNWIND members AS m MATCH (m)-[:FACES]->(ch:Challenge) RETURN ch } AS reach
UNWIND reach AS x
RETURN collect(DISTINCT elementId(x)) AS ids
"""

FIELD_REACH: Final[LiteralString] = """
MATCH (f:ThematicField) WHERE elementId(f) = $anchor
WITH f, COLLECT { MATCH (ch:Challenge)-[:IN_FIELD]->(f) RETURN ch } AS challenges
WITH [f] + challenges
     + COLLECT { MATCH (x)-[:IN_FIELD]->(f) WHERE x:Solution OR x:BestPractice RETURN x }
     + COLLECT { MATCH (p:Project)-[:WORKS_ON]->(f) RETURN p }
     + COLLECT { MATCH (c:City)-[:NEEDS]->(f) RETURN c }
     + COLLECT { UNWIND challenges AS ch MATCH (c:City)-[:FACES]->(ch) RETURN c }
     + COLLECT { UNWIND challenges AS ch MATCH (x)-[:ADDRESSES]->(ch) RETURN x } AS reach
UNWIND reach AS x
RETURN collect(DISTINCT elementId(x)) AS ids
"""

# The Source nodes behind a set of nodes: what they are SOURCED_FROM, and what the relationships among them
# name in source_ids.
SOURCES_OF: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
CALL (n) {
    MATCH (n)-[:SOURCED_FROM]->(s:Source) RETURN s.uid AS source
  UNION
    MATCH (n)-[r]->(m) WHERE type(r) IN $types AND elementId(m) IN $ids
    UNWIND coalesce(r.source_ids, []) AS source
    RETURN source
}
WITH DISTINCT source
MATCH (s:Source {uid: source})
RETURN collect(elementId(s)) AS ids
"""

# -- reading an id set ------------------------------------------------------------------------------------------

READ_NODES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id AND any(l IN labels(n) WHERE l IN $labels)
RETURN id, [l IN labels(n) WHERE l IN $labels][0] AS label, properties(n) AS properties
"""

# The relationships leaving a chunk of $ids whose other end is also in $all (the induced subgraph).
READ_INDUCED: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (a)-[r]->(b) WHERE elementId(a) = id AND type(r) IN $types AND elementId(b) IN $all
RETURN id AS start, type(r) AS type, elementId(b) AS end, properties(r) AS properties
"""

# Every relationship of the given types, for the whole graph (no membership test needed).
READ_ALL_RELATIONSHIPS: Final[LiteralString] = """
MATCH (a)-[r]->(b) WHERE type(r) IN $types
RETURN elementId(a) AS start, type(r) AS type, elementId(b) AS end, properties(r) AS properties
"""


def domain_labels() -> list[str]:
    return sorted(graph_model().labels)


def domain_types() -> list[str]:
    return sorted(graph_model().edges)

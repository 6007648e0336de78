"""The Cypher behind kg's pages (kg/views): the map's cities, the home page's lists, a source's passages."""

from __future__ import annotations

from typing import Final, LiteralString

from queries.loading import SOLUTION_TIMELINE as SOLUTION_TIMELINE

# Every city: coordinates (null when unknown), its roles folded into one, and how many solutions it implements.
MAP_CITIES: Final[LiteralString] = """
MATCH (c:City)
WITH c, COLLECT { MATCH (c)-[r:PARTICIPATES_IN]->(:Project) RETURN DISTINCT r.role } AS roles,
     COUNT { (s:Solution)-[:IMPLEMENTED_IN]->(c) } AS solutions
RETURN c.uid AS uid, c.name AS name, c.latitude AS latitude, c.longitude AS longitude, solutions,
       CASE WHEN 'lighthouse' IN roles AND 'follower' IN roles THEN 'both'
            WHEN 'lighthouse' IN roles THEN 'lighthouse'
            WHEN 'follower' IN roles THEN 'follower' ELSE 'other' END AS role
ORDER BY name
"""

# Counts per label, and the lighthouse and follower cities with their projects, for the home page.
HOME: Final[LiteralString] = """
CALL () {
  UNWIND $labels AS label
  CALL (label) { MATCH (n:$(label)) RETURN count(n) AS count }
  RETURN collect({label: label, count: count}) AS counts
}
CALL () {
  MATCH (c:City)-[r:PARTICIPATES_IN]->(:Project) WHERE r.role IN ['lighthouse', 'follower']
  WITH r.role AS role, c ORDER BY c.name
  WITH role, collect(DISTINCT {uid: c.uid, name: c.name}) AS cities
  RETURN collect({role: role, cities: cities}) AS roles
}
RETURN counts, roles
"""

# A source, the nodes it states (with the passage) and the relationships that cite it (with their quote).
SOURCE_PASSAGES: Final[LiteralString] = """
MATCH (s:Source {uid: $uid})
RETURN properties(s) AS source,
  COLLECT {
    MATCH (n)-[p:SOURCED_FROM]->(s)
    RETURN {id: labels(n)[0] + ':' + n.uid, name: n.name, quote: p.quote, passage: p.passage, record: p.record}
    ORDER BY n.name
  } AS nodes,
  COLLECT {
    MATCH (a)-[r]->(b) WHERE $uid IN coalesce(r.source_ids, [])
    WITH a, r, b, [i IN range(0, size(r.source_ids) - 1) WHERE r.source_ids[i] = $uid | r.quotes[i]][0] AS quote
    RETURN {type: type(r), from: a.name, from_id: labels(a)[0] + ':' + a.uid, to: b.name,
            to_id: labels(b)[0] + ':' + b.uid, quote: quote}
    ORDER BY a.name, type(r), b.name
  } AS relationships
"""

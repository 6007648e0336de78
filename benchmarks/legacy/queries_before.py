"""Named Cypher for the replication engine (kg/replication.py scores what these return).

Each question is one statement. The link statements return one row per candidate lighthouse with every link
(follower challenge -> matched challenge -> solution implemented in the lighthouse) and the raw material of the
other factors (shared projects and networks, thematic fields, context), so scoring needs no further round trip.
"""

from __future__ import annotations

from typing import Final, LiteralString

from schema.constraints import VECTOR_INDEX as VECTOR_INDEX

# The statements that ask the vector index take its name as the parameter $vector_index (VECTOR_INDEX).
# The index scores cosine similarity as (1 + cos) / 2; every statement converts back to cos.

READ_CHALLENGE_TEXTS: Final[LiteralString] = """
MATCH (c:Challenge)
RETURN c.uid AS uid, c.name AS name, c.embedding_text AS embedded_text
ORDER BY uid
"""

SET_CHALLENGE_EMBEDDINGS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Challenge {uid: row.uid})
CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding)
SET c.embedding_text = row.text
"""

READ_SOURCES: Final[LiteralString] = (
    "MATCH (s:Source) RETURN s.uid AS uid, s.file_name AS file_name, s.name AS name"
)

READ_FOLLOWERS: Final[LiteralString] = """
MATCH (f:City)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project)
RETURN DISTINCT f.uid AS uid ORDER BY uid
"""

FIND_CITY: Final[LiteralString] = """
MATCH (c:City)
WHERE c.uid = $name OR toLower(c.name) = toLower($name)
   OR any(alias IN coalesce(c.aliases, []) WHERE toLower(alias) = toLower($name))
RETURN c.uid AS uid, c.name AS name,
       [(c)-[r:PARTICIPATES_IN]->(p:Project) | {project: p.uid, role: r.role}] AS roles
ORDER BY uid
"""

_LINK_MAP: Final[LiteralString] = """
{
    follower_challenge: fc.uid, follower_challenge_name: fc.name,
    faces_confidence: fa.confidence, faces_group: coalesce(fa.group_statement, false),
    faces_sources: fa.source_ids, faces_quotes: fa.quotes,
    target: target.uid, target_name: target.name, kind: kind, similarity: similarity,
    solution: s.uid, solution_name: s.name, outcome: a.outcome, addresses_confidence: a.confidence,
    addresses_sources: a.source_ids, addresses_quotes: a.quotes,
    status: impl.status, implemented_sources: impl.source_ids, implemented_quotes: impl.quotes,
    project: sp.uid
}
"""

MATCH_FOLLOWER_LINKS: Final[LiteralString] = (
    """
UNWIND $followers AS follower_uid
MATCH (f:City {uid: follower_uid})
WHERE EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
MATCH (f)-[fa:FACES]->(fc:Challenge)
// Each follower challenge reaches itself (exact) and its nearest differently-worded challenges (semantic).
CALL (fc) {
    RETURN fc AS target, 1.0 AS similarity, 'exact' AS kind
  UNION
    WITH fc WHERE fc.embedding IS NOT NULL
    CALL db.index.vector.queryNodes($vector_index, $neighbours, fc.embedding)
    YIELD node, score
    WITH node, 2 * score - 1 AS cosine
    WHERE node <> fc AND cosine >= $threshold
    RETURN node AS target, cosine AS similarity, 'semantic' AS kind
}
MATCH (s:Solution)-[a:ADDRESSES]->(target)
MATCH (s)-[impl:IMPLEMENTED_IN]->(l:City)
WHERE l <> f AND EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
OPTIONAL MATCH (s)-[:PART_OF]->(sp:Project)
WITH f, l, collect("""
    + _LINK_MAP
    + """) AS links
CALL (f, l) {
    OPTIONAL MATCH (f)-[:PARTICIPATES_IN]->(p:Project)<-[:PARTICIPATES_IN]-(l)
    RETURN collect(DISTINCT p.uid) AS shared_projects
}
CALL (f, l) {
    // A network reached directly (MEMBER_OF) or through a project that is a member of it.
    OPTIONAL MATCH (f)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n:Network)
                   <-[:MEMBER_OF*0..1]-()<-[:MEMBER_OF|PARTICIPATES_IN]-(l)
    RETURN collect(DISTINCT n.uid) AS shared_networks
}
CALL (f) {
    OPTIONAL MATCH (f)-[:FACES]->(:Challenge)-[:IN_FIELD]->(tf:ThematicField)
    RETURN collect(DISTINCT tf.uid) AS follower_fields
}
WITH f, l, links, shared_projects, shared_networks, follower_fields
RETURN f.uid AS follower, f.name AS follower_name, f.country AS follower_country,
       f.population AS follower_population, f.latitude AS follower_latitude,
       shared_projects, shared_networks, follower_fields,
       l.uid AS lighthouse, l.name AS lighthouse_name, l.country AS lighthouse_country,
       l.population AS lighthouse_population, l.latitude AS lighthouse_latitude,
       COLLECT { MATCH (l)<-[:IMPLEMENTED_IN]-(:Solution)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid }
           AS lighthouse_fields,
       links
ORDER BY follower, lighthouse
"""
)

MATCH_BARRIER_LINKS: Final[LiteralString] = """
UNWIND $barriers AS barrier
CALL db.index.vector.queryNodes($vector_index, $neighbours, barrier.embedding)
YIELD node AS target, score
WITH barrier, target, 2 * score - 1 AS similarity
WHERE similarity >= $threshold
MATCH (s:Solution)-[a:ADDRESSES]->(target)
MATCH (s)-[impl:IMPLEMENTED_IN]->(l:City)
WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
OPTIONAL MATCH (s)-[:PART_OF]->(sp:Project)
WITH l, collect({
    follower_challenge: barrier.id, follower_challenge_name: barrier.text,
    faces_confidence: 1.0, faces_group: false, faces_sources: [], faces_quotes: [],
    target: target.uid, target_name: target.name, kind: 'semantic', similarity: similarity,
    solution: s.uid, solution_name: s.name, outcome: a.outcome, addresses_confidence: a.confidence,
    addresses_sources: a.source_ids, addresses_quotes: a.quotes,
    status: impl.status, implemented_sources: impl.source_ids, implemented_quotes: impl.quotes,
    project: sp.uid
}) AS links
RETURN l.uid AS lighthouse, l.name AS lighthouse_name, l.country AS lighthouse_country,
       l.population AS lighthouse_population, l.latitude AS lighthouse_latitude,
       COLLECT { MATCH (l)<-[:IMPLEMENTED_IN]-(:Solution)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid }
           AS lighthouse_fields,
       links
ORDER BY lighthouse
"""

MATCH_SHARED_CHALLENGES: Final[LiteralString] = """
MATCH (c:Challenge)<-[fa:FACES]-(city:City)
WITH c, collect(DISTINCT city.uid) AS cities, sum(size(fa.source_ids)) AS evidence
WHERE size(cities) >= $min_cities
CALL (c, cities) {
    OPTIONAL MATCH (city:City)-[:PARTICIPATES_IN]->(p:Project) WHERE city.uid IN cities
    RETURN collect(DISTINCT p.uid) AS projects
}
RETURN c.uid AS uid, c.name AS name, c.category AS category, cities, projects,
       COLLECT { MATCH (c)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid } AS fields,
       COLLECT { MATCH (c)-[:SOURCED_FROM]->(s:Source) RETURN DISTINCT s.uid } AS sources,
       COUNT { (:Solution)-[:ADDRESSES]->(c) } AS solutions,
       evidence
ORDER BY size(cities) DESC, size(projects) DESC, evidence DESC, uid
"""

# A follower challenge is a gap when no solution addresses it, nor a challenge worded alike (semantic).
MATCH_GAPS: Final[LiteralString] = """
MATCH (f:City)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project)
WITH DISTINCT f
WHERE $followers IS NULL OR f.uid IN $followers
OPTIONAL MATCH (f)-[fa:FACES]->(c:Challenge)
WITH f, c, fa
WITH f, c, fa, c IS NOT NULL AND EXISTS { (:Solution)-[:ADDRESSES]->(c) } AS exact
OPTIONAL CALL (c) {
    WITH c WHERE c IS NOT NULL AND c.embedding IS NOT NULL
    CALL db.index.vector.queryNodes($vector_index, $neighbours, c.embedding) YIELD node, score
    WITH c, node WHERE node <> c AND 2 * score - 1 >= $threshold
      AND EXISTS { (:Solution)-[:ADDRESSES]->(node) }
    RETURN count(node) AS semantic
}
WITH f, c, fa, coalesce(exact, false) AS exact, coalesce(semantic, 0) AS semantic
RETURN f.uid AS follower, f.name AS follower_name,
       [x IN collect(CASE WHEN c IS NOT NULL AND NOT exact AND semantic = 0 THEN
            {uid: c.uid, name: c.name, category: c.category, sources: fa.source_ids, quotes: fa.quotes} END)
        WHERE x IS NOT NULL] AS gaps,
       count(c) AS challenges
ORDER BY follower
"""

MATCH_UNREPLICATED_SOLUTIONS: Final[LiteralString] = """
MATCH (s:Solution)-[:IMPLEMENTED_IN]->(l:City)
WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
MATCH (s)-[a:ADDRESSES]->(c:Challenge)
WITH s, l, c, a
CALL (c, l) {
    OPTIONAL MATCH (f:City)-[:FACES]->(c)
    WHERE f <> l AND EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
    RETURN count(f) AS exact_followers
}
CALL (c, l) {
    WITH c, l WHERE c.embedding IS NOT NULL
    CALL db.index.vector.queryNodes($vector_index, $neighbours, c.embedding) YIELD node, score
    WITH c, l, node WHERE node <> c AND 2 * score - 1 >= $threshold
    OPTIONAL MATCH (f:City)-[:FACES]->(node)
    WHERE f <> l AND EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
    RETURN count(f) AS semantic_followers
}
WITH s, l, collect({uid: c.uid, name: c.name, outcome: a.outcome}) AS challenges,
     sum(exact_followers) + sum(semantic_followers) AS followers
WHERE followers = 0
RETURN s.uid AS uid, s.name AS name, l.uid AS lighthouse, l.name AS lighthouse_name, challenges,
       COLLECT { MATCH (s)-[:PART_OF]->(p:Project) RETURN p.uid } AS projects
ORDER BY lighthouse, uid
"""

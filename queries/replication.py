"""Named Cypher for the replication engine (kg/replication scores what these return).

Each question is ONE statement that returns everything its explanation needs, so a planner's question is one
round trip: who the city is (resolved by public id, name or alias inside the statement), the barriers it
faces and how they are attributed to it (its own statement, a named group's, its project's), every link from
them to a lighthouse's solution (exact, or through SIMILAR_TO for differently worded barriers), the needs
it states and the lighthouse solutions in those fields, each lighthouse's channel (shared projects and
networks), fields, drivers and organisations, the gaps, the knowledge-base version and the files behind every
quote.

The statements that ask the vector index (SET_SIMILARITIES at refresh time, and the free-text barrier question)
take its name as ``$vector_index`` (``VECTOR_INDEX``). The index scores cosine similarity as (1 + cos) / 2;
every statement converts back to cos.
"""

from __future__ import annotations

from typing import Final, LiteralString

from schema.constraints import FULLTEXT_INDEX as FULLTEXT_INDEX
from schema.constraints import VECTOR_INDEX as VECTOR_INDEX

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

# Each challenge's nearest differently worded challenges, from the vector index, kept as SIMILAR_TO so that
# matching is a traversal (a vector query per barrier per question cost ~1.2 ms each). Recomputed for a batch of
# challenges whenever embeddings change; matching filters them by $threshold and $neighbours.
SIMILARITY_FLOOR: Final = 0.3
SIMILARITY_NEIGHBOURS: Final = 25
READ_EMBEDDED_CHALLENGES: Final[LiteralString] = (
    "MATCH (c:Challenge) WHERE c.embedding IS NOT NULL RETURN c.uid AS uid ORDER BY uid"
)
REMOVE_SIMILARITIES: Final[LiteralString] = "MATCH (:Challenge)-[s:SIMILAR_TO]->(:Challenge) DELETE s"
SET_SIMILARITIES: Final[LiteralString] = """
UNWIND $uids AS uid
MATCH (c:Challenge {uid: uid})
CALL (c) {
    CALL db.index.vector.queryNodes($vector_index, $neighbours + 1, c.embedding) YIELD node, score
    WITH node, 2 * score - 1 AS cosine
    WHERE node <> c AND cosine >= $floor
    WITH node, cosine ORDER BY cosine DESC, node.uid LIMIT $neighbours
    RETURN collect({node: node, cosine: cosine}) AS near
}
UNWIND range(0, size(near) - 1) AS i
WITH c, near[i].node AS other, near[i].cosine AS cosine, i + 1 AS rank
MERGE (c)-[s:SIMILAR_TO]->(other)
SET s.similarity = cosine, s.rank = rank
RETURN count(s) AS similarities
"""

COUNT_SIMILARITIES: Final[LiteralString] = (
    "MATCH (:Challenge)-[s:SIMILAR_TO]->(:Challenge) RETURN count(s) AS n"
)

READ_FOLLOWERS: Final[LiteralString] = """
MATCH (f:City)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project)
RETURN DISTINCT f.uid AS uid ORDER BY uid
"""

# ------------------------------------------------------------------------------------------------ fragments
# Kept as constants so the three statements below build the same maps the same way.

_FIND_CITY: Final[LiteralString] = """
OPTIONAL CALL (asked) {
    MATCH (c:City {uid: asked.name}) RETURN c
  UNION
    // Names and aliases through the full-text index (exact phrase), then compared case-insensitively.
    CALL db.index.fulltext.queryNodes($names_index, asked.phrase) YIELD node
    WITH node AS c, asked
    WHERE c:City AND (toLower(c.name) = toLower(asked.name)
          OR any(alias IN coalesce(c.aliases, []) WHERE toLower(alias) = toLower(asked.name)))
    RETURN c
}
"""

_TARGETS: Final[LiteralString] = """
CALL (fc) {
    RETURN fc AS target, 1.0 AS similarity, 'exact' AS kind
  UNION
    MATCH (fc)-[near:SIMILAR_TO]->(node:Challenge)
    WHERE near.rank <= $neighbours AND near.similarity >= $threshold
    RETURN node AS target, near.similarity AS similarity, 'semantic' AS kind
}
"""

# One lighthouse solution: who implements it, its project, the organisations behind it (partners of its project
# located in the lighthouse city: who to talk to; kg sorts and dedupes them) and what drove it.
_SOLUTION_FIELDS: Final[LiteralString] = """
    solution: s.uid, solution_name: s.name, status: s.status, status_label: s.status_label,
    implemented_sources: impl.source_ids, implemented_quotes: impl.quotes,
    lighthouse: l.uid, project: head(COLLECT { MATCH (s)-[:PART_OF]->(p:Project) RETURN p.uid ORDER BY p.uid }),
    organisations: [(s)-[:PART_OF]->(:Project)<-[pi:PARTNER_IN]-(o:Organisation)-[:LOCATED_IN]->(l)
                    | {uid: o.uid, name: o.name, role: pi.role}],
    solution_drivers: [(s)-[d:DRIVEN_BY]->(dr:Driver) | {uid: dr.uid, name: dr.name, category: dr.category,
                       of: 'Solution:' + s.uid, sources: d.source_ids, quotes: d.quotes}]
"""

# Whether the city holds a lighthouse role is checked once per city in _LIGHTHOUSES, not once per link.
_LIGHTHOUSE_SOLUTION: Final[LiteralString] = """
MATCH (s)-[impl:IMPLEMENTED_IN]->(l:City)
WHERE l <> f
"""

_LIGHTHOUSES: Final[LiteralString] = """
CALL (f, lighthouse_uids) {
    // The follower's projects and networks once (a network reached directly or through a project that is a
    // member of it); per lighthouse only whether it reaches each of them.
    WITH f, lighthouse_uids,
         COLLECT { MATCH (f)-[:PARTICIPATES_IN]->(p:Project) RETURN DISTINCT p ORDER BY p.uid } AS f_projects,
         COLLECT {
             MATCH (f)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n:Network)
             RETURN DISTINCT n ORDER BY n.uid
         } AS f_networks
    UNWIND lighthouse_uids AS uid
    WITH DISTINCT f_projects, f_networks, uid
    MATCH (l:City {uid: uid})
    WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
    // Subqueries in a projection, not inside collect(): there they are planned, not interpreted per row.
    WITH l,
         COLLECT {
             MATCH (l)-[:PARTICIPATES_IN]->(p:Project) WHERE p IN f_projects
             WITH DISTINCT p ORDER BY p.uid RETURN {uid: p.uid, name: p.name}
         } AS shared_projects,
         COLLECT {
             MATCH (l)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n:Network) WHERE n IN f_networks
             WITH DISTINCT n ORDER BY n.uid RETURN {uid: n.uid, name: n.name}
         } AS shared_networks,
         COLLECT {
             MATCH (l)<-[:IMPLEMENTED_IN]-(:Solution)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid
         } AS fields,
         // The city's own drivers; its solutions' come with each solution (solution_drivers).
         COLLECT {
             MATCH (l)-[d:DRIVEN_BY]->(dr:Driver)
             RETURN {uid: dr.uid, name: dr.name, category: dr.category, of: 'City:' + l.uid,
                     sources: d.source_ids, quotes: d.quotes}
         } AS drivers
    RETURN collect({
        uid: l.uid, name: l.name, country: l.country, population: l.population, latitude: l.latitude,
        shared_projects: shared_projects, shared_networks: shared_networks, fields: fields, drivers: drivers
    }) AS lighthouses
}
"""

# source_ids is a list of lists (one per fact), flattened here: concatenating them in a reduce() copies the
# growing list once per fact.
_SOURCES_OF: Final[LiteralString] = """
CALL (source_ids) {
    UNWIND source_ids AS ids
    UNWIND coalesce(ids, []) AS id
    WITH DISTINCT id
    MATCH (src:Source {uid: id})
    RETURN collect({uid: src.uid, file_name: src.file_name, name: src.name}) AS sources
}
"""

FIND_CITY: Final[LiteralString] = (
    """
WITH {name: $name, phrase: $phrase} AS asked
"""
    + _FIND_CITY
    + """
RETURN collect(DISTINCT {uid: c.uid, name: c.name}) AS found
"""
)

# ------------------------------------------------------------------------------------------------ matches

MATCH_FOLLOWERS: Final[LiteralString] = (
    """
UNWIND $cities AS asked
"""
    + _FIND_CITY
    + """
WITH asked, collect(DISTINCT c) AS found
WITH asked, [x IN found | {uid: x.uid, name: x.name}] AS found, CASE size(found) WHEN 1 THEN found[0] END AS f
CALL (f) {
    OPTIONAL MATCH (f)-[r:PARTICIPATES_IN]->(p:Project)
    RETURN [x IN collect(CASE WHEN p IS NOT NULL THEN {project: p.uid, role: r.role} END) WHERE x IS NOT NULL]
           AS roles
}
WITH asked, found, f, roles, any(role IN roles WHERE role.role = 'follower') AS is_follower
// The barriers the follower faces, and whose they are.
OPTIONAL CALL (f, is_follower) {
    WITH f WHERE is_follower
    CALL (f) {
        MATCH (f)-[fa:FACES]->(fc:Challenge)
        RETURN fc, fa, CASE WHEN coalesce(fa.group_statement, false) THEN 'group' ELSE 'own' END AS attribution,
               fa.group AS via
      UNION
        MATCH (f)-[:PARTICIPATES_IN]->(p:Project)-[fa:FACES]->(fc:Challenge)
        RETURN fc, fa, 'project' AS attribution, p.uid AS via
    }
"""
    + _TARGETS
    + """
    OPTIONAL MATCH (s:Solution)-[a:ADDRESSES]->(target)
    OPTIONAL CALL (s, f) {
"""
    + _LIGHTHOUSE_SOLUTION
    + """
        RETURN l, impl
    }
    // Links name their barrier and solution; faced (below) and solutions (after) hold the rest once.
    WITH f, fc, fa, attribution, via, count(s) > 0 AS addressed, collect(CASE WHEN l IS NOT NULL THEN {
        follower_challenge: fc.uid, attribution: attribution, via: via,
        target: target.uid, target_name: target.name, kind: kind, similarity: similarity,
        solution: s.uid, lighthouse: l.uid, outcome: a.outcome, addresses_confidence: a.confidence,
        addresses_sources: a.source_ids, addresses_quotes: a.quotes
    } END) AS links
    RETURN collect({uid: fc.uid, name: fc.name, category: fc.category, attribution: attribution, via: via,
                    confidence: fa.confidence, group_name: fa.group_name, group_quote: fa.group_quote,
                    sources: fa.source_ids, quotes: fa.quotes, addressed: addressed}) AS faced,
           reduce(all = [], x IN collect(links) | all + x) AS links
}
// The kinds of solution the follower says it needs, and the lighthouse solutions in those fields.
OPTIONAL CALL (f, is_follower) {
    WITH f WHERE is_follower
    MATCH (f)-[n:NEEDS]->(tf:ThematicField)
    OPTIONAL CALL (f, tf) {
        MATCH (tf)<-[in_field:IN_FIELD]-(s:Solution)
"""
    + _LIGHTHOUSE_SOLUTION
    + """
        RETURN collect({field: tf.uid, in_field_sources: in_field.source_ids, in_field_quotes: in_field.quotes,
                        solution: s.uid, lighthouse: l.uid}) AS solutions
    }
    RETURN collect({field: tf.uid, field_name: tf.name, need: n.need, confidence: n.confidence,
                    attribution: CASE WHEN coalesce(n.group_statement, false) THEN 'group' ELSE 'own' END,
                    via: n.group, group_name: n.group_name, group_quote: n.group_quote, sources: n.source_ids, quotes: n.quotes,
                    solutions: coalesce(solutions, [])}) AS needs
}
WITH asked, found, f, roles, is_follower, coalesce(faced, []) AS faced, coalesce(links, []) AS links,
     coalesce(needs, []) AS needs
WITH *, [x IN links | x.lighthouse] + reduce(acc = [], n IN needs | acc + [s IN n.solutions | s.lighthouse])
        AS lighthouse_uids,
     [x IN links | x.solution] + reduce(acc = [], n IN needs | acc + [s IN n.solutions | s.solution])
        AS solution_uids
"""
    + _LIGHTHOUSES
    + """
// Each lighthouse solution once, however many links and needs reach it.
CALL (solution_uids) {
    UNWIND solution_uids AS uid
    WITH DISTINCT uid
    MATCH (s:Solution {uid: uid})-[impl:IMPLEMENTED_IN]->(l:City)
    RETURN collect({
"""
    + _SOLUTION_FIELDS
    + """
    }) AS solutions
}
WITH *, [x IN faced | x.sources] + [x IN links | x.addresses_sources]
      + [x IN solutions | x.implemented_sources]
      + reduce(acc = [], x IN solutions | acc + [d IN x.solution_drivers | d.sources])
      + [n IN needs | n.sources] + reduce(acc = [], n IN needs | acc + [x IN n.solutions | x.in_field_sources])
      + reduce(acc = [], l IN lighthouses | acc + [d IN l.drivers | d.sources])
      AS source_ids
"""
    + _SOURCES_OF
    + """
RETURN asked.name AS asked, found, roles, is_follower,
       CASE WHEN f IS NULL THEN null ELSE {
           uid: f.uid, name: f.name, country: f.country, population: f.population, latitude: f.latitude,
           fields: COLLECT { MATCH (f)-[:FACES]->(:Challenge)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid },
           drivers: COLLECT { MATCH (f)-[d:DRIVEN_BY]->(dr:Driver)
                              RETURN {uid: dr.uid, name: dr.name, category: dr.category} ORDER BY dr.uid }
       } END AS follower,
       faced, links, needs, lighthouses, solutions, sources,
       head(COLLECT { MATCH (m:KGMeta {key: 'kb'}) RETURN m.version }) AS kb_version
"""
)

MATCH_BARRIERS: Final[LiteralString] = (
    """
UNWIND $barriers AS barrier
CALL db.index.vector.queryNodes($vector_index, $neighbours, barrier.embedding) YIELD node AS target, score
WITH barrier, target, 2 * score - 1 AS similarity
WHERE similarity >= $threshold
MATCH (s:Solution)-[a:ADDRESSES]->(target)
MATCH (s)-[impl:IMPLEMENTED_IN]->(l:City)
WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
WITH collect({
    follower_challenge: barrier.id, follower_challenge_name: barrier.text, attribution: 'own', via: null,
    faces_confidence: 1.0, faces_sources: [], faces_quotes: [], group_quote: null, group_name: null,
    target: target.uid, target_name: target.name, kind: 'semantic', similarity: similarity,
    outcome: a.outcome, addresses_confidence: a.confidence,
    addresses_sources: a.source_ids, addresses_quotes: a.quotes,
"""
    + _SOLUTION_FIELDS
    + """
}) AS links
WITH null AS f, links, [x IN links | x.lighthouse] AS lighthouse_uids
"""
    + _LIGHTHOUSES
    + """
WITH *, [x IN links | x.addresses_sources] + [x IN links | x.implemented_sources]
      + reduce(acc = [], x IN links | acc + [d IN x.solution_drivers | d.sources])
      + reduce(acc = [], l IN lighthouses | acc + [d IN l.drivers | d.sources])
      AS source_ids
"""
    + _SOURCES_OF
    + """
RETURN links, lighthouses, sources, head(COLLECT { MATCH (m:KGMeta {key: 'kb'}) RETURN m.version }) AS kb_version
"""
)

# ------------------------------------------------------------------------------------------------ candidates

FIND_SOLUTION: Final[LiteralString] = """
MATCH (s:Solution)
WHERE s.uid = $name OR toLower(s.name) = toLower($name)
   OR any(alias IN coalesce(s.aliases, []) WHERE toLower(alias) = toLower($name))
RETURN s.uid AS uid, s.name AS name ORDER BY uid
"""

READ_LIGHTHOUSE_SOLUTIONS: Final[LiteralString] = """
MATCH (s:Solution)-[:IMPLEMENTED_IN]->(l:City)
WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
RETURN DISTINCT s.uid AS uid ORDER BY uid
"""

# For lighthouse solutions: every follower city that faces a barrier the solution addresses (exact, or a
# differently worded one through the vector index; its own, its group's or its project's), or that needs a kind
# of solution in one of the solution's fields. One row per solution, with the same maps as MATCH_FOLLOWERS.
MATCH_CANDIDATES: Final[LiteralString] = (
    """
UNWIND $solutions AS solution_uid
MATCH (s:Solution {uid: solution_uid})
OPTIONAL CALL (s) {
    MATCH (s)-[impl:IMPLEMENTED_IN]->(l:City)
    WHERE EXISTS { (l)-[:PARTICIPATES_IN {role: 'lighthouse'}]->(:Project) }
    RETURN l, impl
}
WITH s, l, impl
OPTIONAL CALL (s, l, impl) {
    WITH s, l, impl WHERE l IS NOT NULL
    MATCH (s)-[a:ADDRESSES]->(addressed:Challenge)
    WITH s, l, impl, a, addressed AS fc
"""
    + _TARGETS
    + """
    WITH s, l, impl, a, fc AS addressed, target, similarity, kind
    CALL (target, l) {
        MATCH (f:City)-[fa:FACES]->(target)
        WHERE f <> l AND EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
        RETURN f, fa, CASE WHEN coalesce(fa.group_statement, false) THEN 'group' ELSE 'own' END AS attribution,
               fa.group AS via
      UNION
        MATCH (f:City)-[:PARTICIPATES_IN]->(p:Project)-[fa:FACES]->(target)
        WHERE f <> l AND EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
        RETURN f, fa, 'project' AS attribution, p.uid AS via
    }
    RETURN collect({
        follower: f.uid,
        follower_challenge: target.uid, follower_challenge_name: target.name, attribution: attribution, via: via,
        faces_confidence: fa.confidence, faces_sources: fa.source_ids, faces_quotes: fa.quotes,
        group_quote: fa.group_quote, group_name: fa.group_name,
        target: addressed.uid, target_name: addressed.name, kind: kind, similarity: similarity,
        outcome: a.outcome, addresses_confidence: a.confidence,
        addresses_sources: a.source_ids, addresses_quotes: a.quotes,
"""
    + _SOLUTION_FIELDS
    + """
    }) AS links
}
OPTIONAL CALL (s, l, impl) {
    WITH s, l, impl WHERE l IS NOT NULL
    MATCH (s)-[in_field:IN_FIELD]->(tf:ThematicField)<-[n:NEEDS]-(f:City)
    WHERE f <> l AND EXISTS { (f)-[:PARTICIPATES_IN {role: 'follower'}]->(:Project) }
    RETURN collect({
        follower: f.uid, field: tf.uid, field_name: tf.name, need: n.need, confidence: n.confidence,
        attribution: CASE WHEN coalesce(n.group_statement, false) THEN 'group' ELSE 'own' END,
        via: n.group, group_name: n.group_name, group_quote: n.group_quote, sources: n.source_ids, quotes: n.quotes,
        in_field_sources: in_field.source_ids, in_field_quotes: in_field.quotes,
"""
    + _SOLUTION_FIELDS
    + """
    }) AS need_links
}
WITH s, l, coalesce(links, []) AS links, coalesce(need_links, []) AS need_links
WITH s, l, links, need_links, [x IN links | x.follower] + [x IN need_links | x.follower] AS follower_uids,
     CASE WHEN l IS NULL THEN [] ELSE
         [(l)-[d:DRIVEN_BY]->(dr:Driver) | {uid: dr.uid, name: dr.name, category: dr.category, of: 'City:' + l.uid,
                                            sources: d.source_ids, quotes: d.quotes}]
         + [(s)-[d:DRIVEN_BY]->(dr:Driver) | {uid: dr.uid, name: dr.name, category: dr.category,
                                              of: 'Solution:' + s.uid, sources: d.source_ids, quotes: d.quotes}]
     END AS lighthouse_drivers
CALL (l, follower_uids) {
    // As in MATCH_FOLLOWERS, the other way round: the lighthouse's projects and networks once.
    WITH l, follower_uids,
         COLLECT { MATCH (l)-[:PARTICIPATES_IN]->(p:Project) RETURN DISTINCT p ORDER BY p.uid } AS l_projects,
         COLLECT {
             MATCH (l)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n:Network)
             RETURN DISTINCT n ORDER BY n.uid
         } AS l_networks
    UNWIND follower_uids AS uid
    WITH DISTINCT l_projects, l_networks, uid
    MATCH (f:City {uid: uid})
    RETURN collect({
        uid: f.uid, name: f.name, country: f.country, population: f.population, latitude: f.latitude,
        shared_projects: [p IN l_projects WHERE EXISTS { (f)-[:PARTICIPATES_IN]->(p) } | {uid: p.uid, name: p.name}],
        shared_networks: [n IN l_networks WHERE EXISTS { (f)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n) }
                          | {uid: n.uid, name: n.name}],
        fields: COLLECT { MATCH (f)-[:FACES]->(:Challenge)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid },
        drivers: [(f)-[:DRIVEN_BY]->(dr:Driver) | {uid: dr.uid, name: dr.name, category: dr.category}]
    }) AS followers
}
WITH *, [x IN links | x.faces_sources] + [x IN links | x.addresses_sources]
      + [x IN links | x.implemented_sources] + [x IN need_links | x.sources]
      + [x IN need_links | x.in_field_sources] + [d IN lighthouse_drivers | d.sources]
      AS source_ids
"""
    + _SOURCES_OF
    + """
RETURN s.uid AS solution, s.name AS solution_name, s.status AS status, s.status_label AS status_label,
       CASE WHEN l IS NULL THEN null ELSE {
           uid: l.uid, name: l.name, country: l.country, population: l.population, latitude: l.latitude,
           fields: COLLECT { MATCH (l)<-[:IMPLEMENTED_IN]-(:Solution)-[:IN_FIELD]->(tf:ThematicField) RETURN DISTINCT tf.uid },
           drivers: lighthouse_drivers
       } END AS lighthouse,
       COLLECT { MATCH (s)-[a:ADDRESSES]->(c:Challenge) RETURN {uid: c.uid, name: c.name, outcome: a.outcome} }
           AS addresses,
       links, need_links, followers, sources,
       head(COLLECT { MATCH (m:KGMeta {key: 'kb'}) RETURN m.version }) AS kb_version
"""
)

# ------------------------------------------------------------------------------------------------ analyses

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
    MATCH (c)-[near:SIMILAR_TO]->(node:Challenge)
    WHERE near.rank <= $neighbours AND near.similarity >= $threshold AND EXISTS { (:Solution)-[:ADDRESSES]->(node) }
    RETURN count(node) AS semantic
}
WITH f, c, fa, coalesce(exact, false) AS exact, coalesce(semantic, 0) AS semantic
RETURN f.uid AS follower, f.name AS follower_name,
       [x IN collect(CASE WHEN c IS NOT NULL AND NOT exact AND semantic = 0 THEN
            {uid: c.uid, name: c.name, category: c.category, sources: fa.source_ids, quotes: fa.quotes} END)
        WHERE x IS NOT NULL] AS gaps,
       count(c) AS challenges,
       head(COLLECT { MATCH (m:KGMeta {key: 'kb'}) RETURN m.version }) AS kb_version
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
    OPTIONAL MATCH (c)-[near:SIMILAR_TO]->(node:Challenge)
    WHERE near.rank <= $neighbours AND near.similarity >= $threshold
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

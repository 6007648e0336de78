"""The loading layer's Cypher: batched ``UNWIND $rows ... MERGE`` per label and relationship type, the import-run
bookkeeping and the sync that removes what a source no longer states.

Who states what: every node and relationship an importer writes lists the importer in ``imported_by``; nodes
link to the run with ``LOADED_BY`` and relationships list it in ``import_run_ids`` (the latest run per
importer). A fact only one importer states takes that importer's values; a fact several state keeps the values
it has and gains the new importer's sources, quotes and records beside the others'. Curator-made or -edited
facts (``r.curated``, ``n.curated_fields``) keep the curator's values.

Labels and types reach the query text only through ``queries.allowlist``; every value is a parameter.
"""

from __future__ import annotations

from typing import Final, LiteralString

from queries import allowlist
from schema.models import RelType


# Read-committed isolation: a statement that reads a list (``imported_by``, ``source_ids``...) in one clause and
# writes it back in a later one loses another transaction's concurrent update of it, unless it holds the entity's
# write lock before reading (Neo4j's documented workaround: write a throwaway property first). Both writes
# happen at once; the lock is held until commit, and the property never is.
def _write_lock(variable: LiteralString) -> LiteralString:
    return "SET " + variable + "._kg_lock = true REMOVE " + variable + "._kg_lock "


_RUN_IDS: Final[LiteralString] = (
    "[x IN coalesce(r.import_run_ids, []) WHERE NOT x STARTS WITH $importer + ':'] + [$run]"
)


def merge_nodes(label: str) -> LiteralString:
    """MERGE one label's rows on ``uid``; link each node to the run; return curator conflicts per node."""
    return (
        "UNWIND $rows AS row MERGE (n:" + allowlist.label(label) + " {uid: row.uid}) "
        "ON CREATE SET n.updated_at = $stamp, n.updated_by = $actor "
        + _write_lock("n")
        + "WITH n, row, coalesce(n.curated_fields, []) AS curated, "
        "[x IN coalesce(n.imported_by, []) WHERE x <> $importer] AS others "
        "WITH n, row, curated, others, size(others) = 0 AS sole "
        "FOREACH (k IN [k IN keys(row.props) WHERE NOT k IN curated AND (sole OR n[k] IS NULL)] | "
        "  SET n[k] = row.props[k]) "
        "FOREACH (k IN [k IN keys(row.defaults) WHERE NOT k IN curated AND n[k] IS NULL] | "
        "  SET n[k] = row.defaults[k]) "
        "SET n.aliases = CASE WHEN 'aliases' IN curated THEN n.aliases "
        "  WHEN sole THEN [a IN row.aliases WHERE a <> n.name] "
        "  ELSE reduce(acc = coalesce(n.aliases, []), a IN row.aliases | "
        "    CASE WHEN a IN acc OR a = n.name THEN acc ELSE acc + a END) END, "
        "  n.imported_by = others + [$importer] "
        "WITH n, row, curated MATCH (run:ImportRun {uid: $run}) MERGE (n)-[:LOADED_BY]->(run) "
        "RETURN n.uid AS uid, "
        "[k IN curated WHERE k IN keys(row.props) AND NOT coalesce(n[k] = row.props[k], false)] AS conflicts"
    )


def merge_provenance(label: str) -> LiteralString:
    """One SOURCED_FROM per (node, source) with its quote, passage or record; returns the rows it linked."""
    return (
        "UNWIND $rows AS row MATCH (n:" + allowlist.label(label) + " {uid: row.uid}) "
        "MATCH (s:Source {uid: row.source}) "
        "MERGE (n)-[r:SOURCED_FROM]->(s) SET r += row.props, r.import_run_ids = " + _RUN_IDS + " "
        "RETURN count(r) AS linked, 0 AS curated"
    )


def merge_relationships(rel_type: RelType, source_label: str, target_label: str) -> LiteralString:
    """MERGE one relationship type between two labels. ``$own``: the uids of the importer's sources, whose
    quotes and records this row replaces (other importers' stay)."""
    return (
        "UNWIND $rows AS row MATCH (a:" + allowlist.label(source_label) + " {uid: row.source}) "
        "MATCH (b:" + allowlist.label(target_label) + " {uid: row.target}) "
        "MERGE (a)-[r:"
        + allowlist.rel_type(rel_type)
        + "]->(b) "
        + _write_lock("r")
        + "WITH r, row, coalesce(r.curated, false) AS curated, "
        "[x IN coalesce(r.imported_by, []) WHERE x <> $importer] AS others "
        "WITH r, row, curated, others, size(others) = 0 AS sole, "
        "[i IN range(0, size(coalesce(r.source_ids, [])) - 1) WHERE NOT r.source_ids[i] IN $own] AS kept "
        "FOREACH (k IN [k IN keys(row.props) WHERE NOT curated AND (sole OR r[k] IS NULL)] | "
        "  SET r[k] = row.props[k]) "
        "FOREACH (_ IN CASE WHEN curated THEN [] ELSE [1] END | "
        "  SET r.source_ids = [i IN kept | r.source_ids[i]] + row.source_ids, "
        "      r.quotes = [i IN kept | coalesce(r.quotes[i], '')] + row.quotes, "
        "      r.records = [x IN coalesce(r.records, []) WHERE NOT split(x, '#')[0] IN $own] + row.records, "
        "      r.confidence = CASE WHEN sole OR r.confidence IS NULL OR row.confidence > r.confidence "
        "        THEN row.confidence ELSE r.confidence END, "
        "      r.imported_by = others + [$importer], "
        "      r.import_run_ids = " + _RUN_IDS + ") "
        "RETURN count(r) AS linked, sum(CASE WHEN curated THEN 1 ELSE 0 END) AS curated"
    )


def existing_uids(label: str) -> LiteralString:
    """Which of ``$uids`` exist as ``label`` nodes (for the unknown-reference check before any write)."""
    return (
        "UNWIND $uids AS uid MATCH (n:"
        + allowlist.label(label)
        + " {uid: uid}) RETURN collect(n.uid) AS found"
    )


# ------------------------------------------------------------------------------------------------ runs

# Taken first in the transaction that starts a run and held to its commit: two imports of one source that start
# at once are serialised here, so the second sees the first's run (and is refused) instead of both starting.
# The unique KGMeta key makes the MERGE safe under concurrency.
LOCK_IMPORTER: Final[LiteralString] = "MERGE (lock:KGMeta {key: 'import-lock:' + $importer}) " + _write_lock(
    "lock"
)

FIND_RUNNING: Final[LiteralString] = """
MATCH (r:ImportRun {importer: $importer, status: 'running'})
RETURN r.uid AS uid, r.host AS host, r.pid AS pid, r.heartbeat_at AS heartbeat_at, r.sha256 AS sha256,
       r.plan_digest AS plan_digest, r.batches_done AS batches_done, r.counts AS counts
ORDER BY r.started_at DESC
"""

MARK_INTERRUPTED: Final[LiteralString] = """
MATCH (r:ImportRun {uid: $uid, status: 'running'}) SET r.status = 'interrupted', r.ended_at = datetime()
"""

CREATE_RUN: Final[LiteralString] = """
CREATE (r:ImportRun {uid: $uid, importer: $importer, source: $source, sha256: $sha256, options: $options,
        plan_digest: $plan_digest, status: 'running', started_at: datetime(), heartbeat_at: datetime(),
        host: $host, pid: $pid, batches_done: 0, batches_total: $batches_total, counts: '{}', errors: $errors})
"""

RESUME_RUN: Final[LiteralString] = """
MATCH (r:ImportRun {uid: $uid})
SET r.status = 'running', r.ended_at = null, r.heartbeat_at = datetime(), r.host = $host, r.pid = $pid,
    r.resumed = coalesce(r.resumed, 0) + 1
"""

ADVANCE_RUN: Final[LiteralString] = """
MATCH (r:ImportRun {uid: $uid})
SET r.batches_done = $batches_done, r.counts = $counts, r.heartbeat_at = datetime()
"""

FINISH_RUN: Final[LiteralString] = """
MATCH (r:ImportRun {uid: $uid})
SET r.status = $status, r.ended_at = datetime(), r.counts = $counts, r.errors = $errors
"""

LATEST_COMPLETED_DIGESTS: Final[LiteralString] = """
MATCH (r:ImportRun {status: 'completed'})
WITH r.importer AS importer, r ORDER BY r.ended_at DESC
WITH importer, collect(r.plan_digest)[0] AS digest
RETURN importer, digest ORDER BY importer
"""

LIST_RUNS: Final[LiteralString] = """
MATCH (r:ImportRun)
WHERE $importer IS NULL OR r.importer = $importer
RETURN r.uid AS uid, r.importer AS importer, r.source AS source, r.sha256 AS sha256, r.status AS status,
       r.started_at AS started_at, r.ended_at AS ended_at, r.counts AS counts, r.errors AS errors,
       r.options AS options, r.batches_done AS batches_done, r.batches_total AS batches_total
ORDER BY r.started_at DESC LIMIT $limit
"""

IMPORTER_SOURCES: Final[LiteralString] = """
MATCH (s:Source) WHERE $importer IN coalesce(s.imported_by, []) RETURN collect(s.uid) AS uids
"""

# ------------------------------------------------------------------------------------------------ sync
# What an importer stated before and its latest run ($run) no longer states. Each statement returns the keys
# it removed (or, for facts other importers also state, withdrew the importer from).

_STALE_RELATIONSHIP: Final[LiteralString] = (
    """
MATCH (a)-[r]->(b)
WHERE NOT type(r) IN ['SOURCED_FROM', 'LOADED_BY'] AND $importer IN coalesce(r.imported_by, [])
  AND NOT $run IN coalesce(r.import_run_ids, []) AND NOT coalesce(r.curated, false)
"""
    + _write_lock("r")
    + """
WITH a, r, b, type(r) + ' ' + labels(a)[0] + ':' + a.uid + ' -> ' + labels(b)[0] + ':' + b.uid AS key,
     [x IN r.imported_by WHERE x <> $importer] AS others
"""
)

REMOVE_STALE_RELATIONSHIPS: Final[LiteralString] = (
    _STALE_RELATIONSHIP + "WHERE size(others) = 0 DELETE r RETURN key"
)

WITHDRAW_FROM_RELATIONSHIPS: Final[LiteralString] = (
    _STALE_RELATIONSHIP
    + """WHERE size(others) > 0
WITH r, key, others,
     [i IN range(0, size(coalesce(r.source_ids, [])) - 1) WHERE NOT r.source_ids[i] IN $own] AS kept
SET r.imported_by = others,
    r.quotes = [i IN kept | coalesce(r.quotes[i], '')],
    r.source_ids = [i IN kept | r.source_ids[i]],
    r.records = [x IN coalesce(r.records, []) WHERE NOT split(x, '#')[0] IN $own],
    r.import_run_ids = [x IN coalesce(r.import_run_ids, []) WHERE NOT x STARTS WITH $importer + ':']
RETURN key"""
)

REMOVE_STALE_PROVENANCE: Final[LiteralString] = """
MATCH (n)-[r:SOURCED_FROM]->(s:Source)
WHERE any(x IN coalesce(r.import_run_ids, []) WHERE x STARTS WITH $importer + ':')
  AND NOT $run IN r.import_run_ids
WITH n, r, 'SOURCED_FROM ' + labels(n)[0] + ':' + n.uid + ' -> Source:' + s.uid AS key
DELETE r
RETURN key
"""

_STALE_NODE: Final[LiteralString] = (
    """
MATCH (n)-[:LOADED_BY]->(old:ImportRun {importer: $importer})
WHERE old.uid <> $run AND NOT EXISTS { (n)-[:LOADED_BY]->(:ImportRun {uid: $run}) }
WITH DISTINCT n
"""
    + _write_lock("n")
    + """
WITH n, labels(n)[0] + ':' + n.uid AS key, [x IN coalesce(n.imported_by, []) WHERE x <> $importer] AS others
"""
)

REMOVE_STALE_NODES: Final[LiteralString] = (
    _STALE_NODE
    + """WHERE size(others) = 0 AND NOT n:Source AND size(coalesce(n.curated_fields, [])) = 0
  AND NOT EXISTS { (n)-[:SOURCED_FROM]->() }
  AND NOT EXISTS { (n)-[x]-() WHERE coalesce(x.curated, false) }
DETACH DELETE n
RETURN key"""
)

REMOVE_STALE_SOURCES: Final[LiteralString] = (
    _STALE_NODE
    + """WHERE size(others) = 0 AND n:Source AND NOT EXISTS { ()-[:SOURCED_FROM]->(n) }
DETACH DELETE n
RETURN key"""
)

WITHDRAW_FROM_NODES: Final[LiteralString] = (
    _STALE_NODE + "WHERE size(others) > 0 SET n.imported_by = others RETURN key"
)

PRUNE_OLD_RUN_LINKS: Final[LiteralString] = """
MATCH (:ImportRun {uid: $run})
MATCH (n)-[l:LOADED_BY]->(old:ImportRun {importer: $importer}) WHERE old.uid <> $run
DELETE l
"""

# ------------------------------------------------------------------------------------------------ why

WHY_NODE: Final[LiteralString] = """
MATCH (n {uid: $uid}) WHERE NOT n:ImportRun AND NOT n:Resolution AND NOT n:KGMeta
OPTIONAL MATCH (n)-[p:SOURCED_FROM]->(s:Source)
WITH n, collect(CASE WHEN s IS NULL THEN null ELSE {source: s.uid, url: s.url, file_name: s.file_name,
     quote: p.quote, record: p.record, confidence: p.confidence, note: p.note, runs: p.import_run_ids} END)
     AS provenance
OPTIONAL MATCH (n)-[:LOADED_BY]->(run:ImportRun)
WITH n, provenance, collect(run.uid) AS runs
OPTIONAL MATCH (n)-[r]-(m) WHERE NOT type(r) IN ['SOURCED_FROM', 'LOADED_BY']
WITH n, provenance, runs, collect(CASE WHEN r IS NULL THEN null ELSE {type: type(r),
     outgoing: startNode(r) = n, other: labels(m)[0] + ':' + m.uid, source_ids: r.source_ids,
     quotes: r.quotes, records: r.records, confidence: r.confidence, runs: r.import_run_ids,
     importers: r.imported_by, curated: coalesce(r.curated, false)} END) AS relationships
RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, n.imported_by AS importers,
       n.updated_by AS created_by, coalesce(n.curated_fields, []) AS curated_fields,
       provenance, runs, relationships
"""

# ------------------------------------------------------------------------------------------------ resolution

RECORD_RESOLUTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (d:Resolution {uid: row.uid})
ON CREATE SET d.status = row.status, d.new = true
SET d.run = $run, d.importer = $importer
// A decision waiting for a curator, or taken by one, stands until a curator changes it (a later run that finds
// the node made apart by its name must not clear the queue).
FOREACH (_ IN CASE WHEN d.new OR d.status = 'applied' THEN [1] ELSE [] END |
  SET d += row.props, d.status = row.status)
REMOVE d.new
"""

LIST_RESOLUTIONS: Final[LiteralString] = """
MATCH (d:Resolution)
WHERE ($status IS NULL OR d.status = $status) AND ($importer IS NULL OR d.importer = $importer)
RETURN d.uid AS uid, d.label AS label, d.name AS name, d.country AS country, d.method AS method,
       d.target AS target, d.created AS created, d.confidence AS confidence, d.status AS status,
       d.importer AS importer, d.note AS note
ORDER BY d.status, d.label, d.name
"""

DECIDE_RESOLUTION: Final[LiteralString] = """
MATCH (d:Resolution {uid: $uid})
SET d.status = $status, d.decided_at = datetime(), d.decided_by = $actor
RETURN d.label AS label, d.name AS name, d.country AS country, d.target AS target, d.created AS created,
       d.importer AS importer
"""

KNOWN_ENTITIES: Final[LiteralString] = """
MATCH (n) WHERE (n:City OR n:Organisation OR n:Project)
RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, coalesce(n.aliases, []) AS aliases,
       n.country AS country, n.grant_agreement AS grant_agreement, n.geo_source AS geo_source
"""

REJECTED_RESOLUTIONS: Final[LiteralString] = "MATCH (d:Resolution {status: 'rejected'}) RETURN d.uid AS uid"

KNOWN_CHALLENGES: Final[LiteralString] = """
MATCH (c:Challenge) RETURN c.uid AS uid, c.name AS name, coalesce(c.aliases, []) AS aliases, c.embedding AS embedding
"""

SOLUTION_TIMELINE: Final[LiteralString] = """
MATCH (s:Solution {uid: $uid})
OPTIONAL MATCH (s)-[:HAS_REPORT]->(r:StatusReport)
OPTIONAL MATCH (r)-[:REPORTS]->(c:Challenge)
OPTIONAL MATCH (r)-[p:SOURCED_FROM]->(src:Source)
WITH s, r, collect(DISTINCT c.name) AS barriers, collect(DISTINCT src.uid) AS sources, collect(DISTINCT p.quote) AS quotes
ORDER BY r.period_end
RETURN s.uid AS uid, s.name AS name, collect(CASE WHEN r IS NULL THEN null ELSE {period: r.period,
       period_end: r.period_end, status: r.status, status_label: r.status_label, barriers: barriers,
       actions: r.actions, risks: r.risks, sources: sources, quotes: [q IN quotes WHERE q IS NOT NULL]} END) AS timeline
"""

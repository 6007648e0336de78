"""Batched, idempotent writes used by the importers: ``UNWIND $rows ... MERGE`` on unique keys.

Labels and relationship types cannot be Cypher parameters. The builders take them from the schema's
allowlists (``LABELS``, ``RelType``) and refuse anything else, so no user text ever reaches the query text.
"""

from __future__ import annotations

from typing import Final, LiteralString

from queries import allowlist
from schema.models import RelType

# The knowledge-base version every match and analysis reports. An import sets it to a digest of what it loaded
# (unchanged when the data is); every curator write bumps it (BUMP_KB_VERSION), so a cache keyed by it is safe.
RECORD_KB_VERSION: Final[LiteralString] = """
MERGE (m:KGMeta {key: 'kb'})
WITH m, m.base = $version AND m.version IS NOT NULL AS same
SET m.updated_at = CASE WHEN same THEN m.updated_at ELSE datetime() END,
    m.version = CASE WHEN same THEN m.version ELSE $version END,
    m.edits = CASE WHEN same THEN m.edits ELSE 0 END,
    m.base = $version
"""

BUMP_KB_VERSION: Final[LiteralString] = """
MERGE (m:KGMeta {key: 'kb'})
SET m.edits = coalesce(m.edits, 0) + 1,
    m.base = coalesce(m.base, m.version, 'empty'),
    m.updated_at = datetime()
SET m.version = m.base + '.' + toString(m.edits)
RETURN m.version AS version
"""

MERGE_SOURCES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (s:Source {uid: row.uid})
ON CREATE SET s.updated_by = $actor
SET s += row.props
"""

# ---------------------------------------------------------------------------------------------------- sync
# What an importer stated before and no longer states is removed: relationships whose every source is one of
# the importer's, nodes it created that no source mentions any more, its provenance edges. Curator-made or
# curator-edited facts (r.curated, n.curated_fields) are kept. Each statement returns the keys it removed.

IMPORTER_SOURCES: Final[LiteralString] = "MATCH (s:Source {updated_by: $actor}) RETURN s.uid AS uid"

REMOVE_STALE_RELATIONSHIPS: Final[LiteralString] = """
MATCH (a)-[r]->(b)
WHERE type(r) <> 'SOURCED_FROM' AND NOT coalesce(r.curated, false)
  AND size(coalesce(r.source_ids, [])) > 0 AND all(s IN r.source_ids WHERE s IN $sources)
WITH a, r, b, type(r) + ' ' + labels(a)[0] + ':' + a.uid + ' -> ' + labels(b)[0] + ':' + b.uid AS key
WHERE NOT key IN $keep
DELETE r
RETURN key
"""

REMOVE_STALE_PROVENANCE: Final[LiteralString] = """
MATCH (n)-[r:SOURCED_FROM]->(s:Source)
WHERE s.uid IN $sources
WITH n, r, 'SOURCED_FROM ' + labels(n)[0] + ':' + n.uid + ' -> Source:' + s.uid AS key
WHERE NOT key IN $keep
DELETE r
RETURN key
"""

REMOVE_STALE_NODES: Final[LiteralString] = """
MATCH (n)
WHERE n.updated_by = $actor AND NOT n:Source AND NOT n:KGMeta
  AND size(coalesce(n.curated_fields, [])) = 0
  AND NOT EXISTS { (n)-[:SOURCED_FROM]->() }
  AND NOT EXISTS { (n)-[x]-() WHERE coalesce(x.curated, false) }
WITH n, labels(n)[0] + ':' + n.uid AS key
WHERE NOT key IN $keep
DETACH DELETE n
RETURN key
"""

REMOVE_STALE_SOURCES: Final[LiteralString] = """
MATCH (s:Source {updated_by: $actor})
WHERE NOT s.uid IN $keep AND NOT EXISTS { ()-[:SOURCED_FROM]->(s) }
WITH s, 'Source:' + s.uid AS key
DETACH DELETE s
RETURN key
"""


def merge_nodes(label: str) -> LiteralString:
    """MERGE nodes of one label on ``uid``; set properties except those a curator set (``curated_fields``),
    which are reported back as conflicts when the import's value differs. Creation is stamped only once."""
    return (
        "UNWIND $rows AS row MERGE (n:" + allowlist.label(label) + " {uid: row.uid}) "
        "ON CREATE SET n.updated_at = $stamp, n.updated_by = $actor "
        "WITH n, row, coalesce(n.curated_fields, []) AS curated "
        "FOREACH (k IN [k IN keys(row.props) WHERE NOT k IN curated] | SET n[k] = row.props[k]) "
        "WITH n, row, curated "
        "RETURN n.uid AS uid, "
        "[k IN curated WHERE k IN keys(row.props) AND NOT coalesce(n[k] = row.props[k], false)] AS conflicts"
    )


def merge_sourced_from(label: str) -> LiteralString:
    """One SOURCED_FROM per (node, document), carrying the quote and passage."""
    return (
        "UNWIND $rows AS row MATCH (n:" + allowlist.label(label) + " {uid: row.uid}) "
        "MATCH (s:Source {uid: row.source}) "
        "MERGE (n)-[r:SOURCED_FROM]->(s) SET r += row.props "
        "RETURN count(r) AS linked"
    )


def merge_relationships(rel_type: RelType, source_label: str, target_label: str) -> LiteralString:
    """MERGE one relationship type between two labels; returns how many rows found both endpoints."""
    return (
        "UNWIND $rows AS row MATCH (a:" + allowlist.label(source_label) + " {uid: row.source}) "
        "MATCH (b:" + allowlist.label(target_label) + " {uid: row.target}) "
        "MERGE (a)-[r:" + allowlist.rel_type(rel_type) + "]->(b) "
        # A relationship a curator made or edited keeps the curator's values (reported as a conflict).
        "FOREACH (_ IN CASE WHEN coalesce(r.curated, false) THEN [] ELSE [1] END | SET r += row.props) "
        "RETURN count(r) AS linked, "
        "sum(CASE WHEN coalesce(r.curated, false) THEN 1 ELSE 0 END) AS curated"
    )

"""Batched, idempotent writes used by the importers: ``UNWIND $rows ... MERGE`` on unique keys.

Labels and relationship types cannot be Cypher parameters. The builders take them from the schema's
allowlists (``LABELS``, ``RelType``) and refuse anything else, so no user text ever reaches the query text.
"""

from __future__ import annotations

from typing import Final, LiteralString

from queries import allowlist
from schema.models import RelType

# The knowledge-base version every match and analysis reports; it changes only when the data does.
RECORD_KB_VERSION: Final[LiteralString] = """
MERGE (m:KGMeta {key: 'kb'})
SET m.updated_at = CASE WHEN m.version = $version THEN m.updated_at ELSE datetime() END,
    m.version = $version
"""

MERGE_SOURCES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (s:Source {uid: row.uid})
SET s += row.props
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
        "MERGE (a)-[r:" + allowlist.rel_type(rel_type) + "]->(b) SET r += row.props "
        "RETURN count(r) AS linked"
    )

"""Curator writes: create / update / delete nodes, link / unlink relationships, each stamped with who and when.

``curated_fields`` lists the properties a curator set, so ``kg import seed`` never overwrites them (it reports
the conflict instead). Labels and types come from the graph model's allowlists; values are parameters.
"""

from __future__ import annotations

from typing import LiteralString

from queries import allowlist


def create_node(label: str) -> LiteralString:
    return (
        "CREATE (n:" + allowlist.label(label) + ") SET n = $props, n.uid = $uid, n.updated_at = datetime(), "
        "n.updated_by = $actor, n.curated_fields = keys($props) RETURN n.uid AS uid"
    )


def update_node(label: str) -> LiteralString:
    return (
        "MATCH (n:" + allowlist.label(label) + " {uid: $uid}) SET n += $props, n.updated_at = datetime(), "
        "n.updated_by = $actor, "
        "n.curated_fields = coalesce(n.curated_fields, []) + [k IN keys($props) WHERE NOT k IN coalesce(n.curated_fields, [])] "
        "RETURN n.uid AS uid"
    )


def delete_node(label: str) -> LiteralString:
    return "MATCH (n:" + allowlist.label(label) + " {uid: $uid}) DETACH DELETE n RETURN count(*) AS deleted"


def link(rel_type: str, source: str, target: str) -> LiteralString:
    """MERGE a curator's relationship with its provenance: ``$source_id`` + ``$quote`` (appended to the
    relationship's sources unless already there) or ``$note``; stamped with who and when and marked curated, so
    imports keep it. Returns 0 rows linked when an endpoint (or the named Source) does not exist."""
    return (
        "MATCH (a:"
        + allowlist.label(source)
        + " {uid: $source}), (b:"
        + allowlist.label(target)
        + " {uid: $target}) "
        "OPTIONAL MATCH (src:Source {uid: $source_id}) "
        "WITH a, b, src WHERE $source_id IS NULL OR src IS NOT NULL "
        "MERGE (a)-[r:" + allowlist.rel_type(rel_type) + "]->(b) "
        "WITH r, src, coalesce(r.source_ids, []) AS ids, coalesce(r.quotes, []) AS quotes "
        "WITH r, src IS NULL OR src.uid IN ids AS known, ids, quotes, src "
        "SET r += $props, "
        "r.source_ids = CASE WHEN known THEN ids ELSE ids + src.uid END, "
        "r.quotes = CASE WHEN known THEN quotes ELSE quotes + $quote END, "
        "r.note = coalesce($note, r.note), "
        "r.updated_at = datetime(), r.updated_by = $actor, r.curated = true "
        "RETURN count(r) AS linked"
    )


def unlink(rel_type: str, source: str, target: str) -> LiteralString:
    return (
        "MATCH (:"
        + allowlist.label(source)
        + " {uid: $source})-[r:"
        + allowlist.rel_type(rel_type)
        + "]->(:"
        + allowlist.label(target)
        + " {uid: $target}) "
        "DELETE r RETURN count(*) AS unlinked"
    )

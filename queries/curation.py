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
    return (
        "MATCH (a:"
        + allowlist.label(source)
        + " {uid: $source}), (b:"
        + allowlist.label(target)
        + " {uid: $target}) "
        "MERGE (a)-[r:"
        + allowlist.rel_type(rel_type)
        + "]->(b) SET r += $props, r.updated_at = datetime(), r.updated_by = $actor, "
        "r.curated = true RETURN count(r) AS linked"
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

"""Search and aggregate queries for analysts and dashboards."""

from __future__ import annotations

import re
from typing import Final, LiteralString

SEARCH_NAMES: Final[LiteralString] = """
CALL db.index.fulltext.queryNodes('kg_names_fulltext', $text) YIELD node, score
WITH node, score, [label IN labels(node) WHERE label IN $labels][0] AS label
WHERE label IS NOT NULL
RETURN label, node.uid AS uid, node.name AS name, score
ORDER BY score DESC, uid
LIMIT $first
"""

COUNT_BY_LABEL: Final[LiteralString] = """
UNWIND $labels AS label
CALL (label) { MATCH (n:$(label)) RETURN count(n) AS count }
RETURN label AS key, count ORDER BY key
"""

COUNT_CITY_ROLES: Final[LiteralString] = """
MATCH (:City)-[r:PARTICIPATES_IN]->(:Project)
RETURN r.role AS key, count(r) AS count ORDER BY key
"""

COUNT_CHALLENGES_BY_FIELD: Final[LiteralString] = """
MATCH (c:Challenge)-[:IN_FIELD]->(f:ThematicField)
RETURN f.uid AS key, count(DISTINCT c) AS count ORDER BY count DESC, key
"""

COUNT_CHALLENGES_BY_CATEGORY: Final[LiteralString] = """
MATCH (c:Challenge)
RETURN coalesce(c.category, 'uncategorised') AS key, count(c) AS count ORDER BY count DESC, key
"""

COUNT_OUTCOMES: Final[LiteralString] = """
MATCH (:Solution)-[a:ADDRESSES]->(:Challenge)
RETURN a.outcome AS key, count(a) AS count ORDER BY key
"""

_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')


MAX_TERMS = 32  # Lucene refuses more than 1,024 clauses; a search needs far fewer words
_LUCENE_KEYWORDS = frozenset({"AND", "OR", "NOT", "TO"})


def lucene_terms(text: str) -> str:
    r"""User text as plain Lucene terms: every operator character escaped, the keywords AND, OR, NOT and TO
    lowercased (Lucene reads them as operators only in capitals), at most ``MAX_TERMS`` words.

    Example:
        >>> lucene_terms('AND smart (city)')
        'and smart \\(city\\)'
    """
    words = [_LUCENE_SPECIAL.sub(r"\\\1", word) for word in text.split()[: MAX_TERMS * 4]]
    kept = [word.lower() if word in _LUCENE_KEYWORDS else word for word in words if word.strip("\\")]
    return " ".join(kept[:MAX_TERMS])


def lucene_phrase(text: str) -> str:
    """User text as one exact Lucene phrase ("..."), its quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

"""The knowledge-base version: recorded by every import (``importers.loader``), bumped by every curator write."""

from __future__ import annotations

from typing import Final, LiteralString

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

"""Destructive maintenance queries (``kg db reset``, test isolation)."""

from __future__ import annotations

from typing import Final, LiteralString

from kg.core.database import Database

# Batches keep each write transaction (and its memory) small on a large graph.
DELETE_NODES_BATCH: Final[LiteralString] = (
    "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
)
LIST_CONSTRAINTS: Final[LiteralString] = "SHOW CONSTRAINTS YIELD name RETURN name"
LIST_INDEXES: Final[LiteralString] = "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
DROP_CONSTRAINT: Final[LiteralString] = "DROP CONSTRAINT $name IF EXISTS"
DROP_INDEX: Final[LiteralString] = "DROP INDEX $name IF EXISTS"
DELETE_BATCH_SIZE = 10_000


def wipe_database(db: Database) -> int:
    """Delete every node and relationship, then every constraint and (non-lookup) index; returns nodes deleted."""
    deleted = 0
    while True:
        batch = int(db.write(DELETE_NODES_BATCH, batch=DELETE_BATCH_SIZE)[0]["deleted"])
        deleted += batch
        if batch < DELETE_BATCH_SIZE:
            break
    for row in db.read(LIST_CONSTRAINTS):
        db.write(DROP_CONSTRAINT, name=row["name"])
    for row in db.read(LIST_INDEXES):
        db.write(DROP_INDEX, name=row["name"])
    return deleted

"""Destructive maintenance queries (``kg db reset``, test isolation)."""

from __future__ import annotations

from typing import Final, LiteralString

from neo4j import Driver

# CALL {} IN TRANSACTIONS keeps memory bounded on large graphs; it needs an auto-commit transaction.
DELETE_ALL_NODES: Final[LiteralString] = (
    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS RETURN count(*) AS deleted"
)
LIST_CONSTRAINTS: Final[LiteralString] = "SHOW CONSTRAINTS YIELD name RETURN name"
LIST_INDEXES: Final[LiteralString] = "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
DROP_CONSTRAINT: Final[LiteralString] = "DROP CONSTRAINT $name IF EXISTS"
DROP_INDEX: Final[LiteralString] = "DROP INDEX $name IF EXISTS"


def wipe_database(driver: Driver, database: str | None = None) -> int:
    """Delete every node and relationship, then every constraint and (non-lookup) index; returns nodes deleted."""
    with driver.session(database=database) as session:
        deleted = int(session.run(DELETE_ALL_NODES).single(strict=True)["deleted"])
    for name in [r["name"] for r in driver.execute_query(LIST_CONSTRAINTS, database_=database).records]:
        driver.execute_query(DROP_CONSTRAINT, name=name, database_=database)
    for name in [r["name"] for r in driver.execute_query(LIST_INDEXES, database_=database).records]:
        driver.execute_query(DROP_INDEX, name=name, database_=database)
    return deleted

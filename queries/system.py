"""Queries about the server and the graph as a whole (health, versions, counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

from neo4j import Driver, Query

GET_COMPONENTS: Final[LiteralString] = (
    "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
)

# One scoped subquery per label/type; the dynamic label $(...) lets the planner answer from the count store
# instead of scanning every node.
COUNT_NODES_BY_LABEL: Final[LiteralString] = """
CALL db.labels() YIELD label
CALL (label) { MATCH (n:$(label)) RETURN count(n) AS nodes }
RETURN label, nodes ORDER BY label
"""

COUNT_RELATIONSHIPS_BY_TYPE: Final[LiteralString] = """
CALL db.relationshipTypes() YIELD relationshipType AS type
CALL (type) { MATCH ()-[r:$(type)]->() RETURN count(r) AS relationships }
RETURN type, relationships ORDER BY type
"""

COUNT_ALL_NODES: Final[LiteralString] = "MATCH (n) RETURN count(n) AS nodes"


@dataclass(frozen=True)
class ServerInfo:
    name: str
    version: str
    edition: str


def get_server_info(driver: Driver, timeout_s: float = 5.0, database: str | None = None) -> ServerInfo:
    """Name, version and edition of the server (raises the driver's errors when it does not answer).

    Example:
        >>> get_server_info(driver).version  # doctest: +SKIP
        '5.26.30'
    """
    records, _, _ = driver.execute_query(Query(GET_COMPONENTS, timeout=timeout_s), database_=database)
    first = records[0]
    return ServerInfo(name=first["name"], version=first["versions"][0], edition=first["edition"])


def count_nodes_by_label(driver: Driver, database: str | None = None) -> dict[str, int]:
    records, _, _ = driver.execute_query(COUNT_NODES_BY_LABEL, database_=database)
    return {record["label"]: record["nodes"] for record in records if record["nodes"] > 0}


def count_relationships_by_type(driver: Driver, database: str | None = None) -> dict[str, int]:
    records, _, _ = driver.execute_query(COUNT_RELATIONSHIPS_BY_TYPE, database_=database)
    return {record["type"]: record["relationships"] for record in records if record["relationships"] > 0}


def count_all_nodes(driver: Driver, database: str | None = None) -> int:
    records, _, _ = driver.execute_query(COUNT_ALL_NODES, database_=database)
    return int(records[0]["nodes"])

"""Queries about the server and the graph as a whole (health, versions, counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

from kg.core.database import Database

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

# The knowledge-base version every match and analysis reports; it changes only when the data does.
READ_KB_VERSION: Final[LiteralString] = "MATCH (m:KGMeta {key: 'kb'}) RETURN m.version AS version"


@dataclass(frozen=True)
class ServerInfo:
    name: str
    version: str
    edition: str


def get_server_info(db: Database) -> ServerInfo:
    """Name, version and edition of the server (raises the handle's errors when it does not answer).

    Example:
        >>> get_server_info(db).version  # doctest: +SKIP
        '5.26.30'
    """
    first = db.read(GET_COMPONENTS)[0]
    return ServerInfo(name=first["name"], version=first["versions"][0], edition=first["edition"])


def count_nodes_by_label(db: Database) -> dict[str, int]:
    return {row["label"]: row["nodes"] for row in db.read(COUNT_NODES_BY_LABEL) if row["nodes"] > 0}


def count_relationships_by_type(db: Database) -> dict[str, int]:
    rows = db.read(COUNT_RELATIONSHIPS_BY_TYPE)
    return {row["type"]: row["relationships"] for row in rows if row["relationships"] > 0}


def count_all_nodes(db: Database) -> int:
    return int(db.read(COUNT_ALL_NODES)[0]["nodes"])


def read_kb_version(db: Database) -> str | None:
    rows = db.read(READ_KB_VERSION)
    return str(rows[0]["version"]) if rows else None

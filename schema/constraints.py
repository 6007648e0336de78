"""Constraints and indexes, derived from the model classes and applied idempotently (``kg db migrate``).

One mechanism only: this explicit, ordered list of ``CREATE ... IF NOT EXISTS`` statements. Labels and
property names come from the model classes (an allowlist), never from user input, so building the DDL text
from them is safe; Cypher cannot take labels or property names as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j.exceptions import Neo4jError

from kg.core.database import Database
from kg.core.errors import UnavailableError
from schema.graph import LabelSpec, graph_model, operational_labels
from schema.naming import snake_case

# Bump when the set of constraints/indexes or the meaning of stored properties changes.
SCHEMA_VERSION = 5  # 2: vector index on Challenge.embedding; 3: full-text index over names and aliases;
# 4: Source.url, ImportRun and Resolution; 5: StatusReport
META_LABEL = "KGMeta"


class SchemaMigrationError(UnavailableError):
    """The database refused a constraint or index (e.g. existing data violates a uniqueness constraint)."""


@dataclass(frozen=True)
class SchemaItem:
    """One constraint or index: its stable name, kind and DDL."""

    name: str
    kind: str  # "constraint" | "index"
    cypher: LiteralString  # built from graph-model names only


def _items_for(spec: LabelSpec) -> list[SchemaItem]:
    label = spec.label
    items: list[SchemaItem] = []
    for prop_name, prop in sorted(spec.properties.items()):
        if prop.unique:
            name = index_name(label, prop_name, "unique")
            cypher = f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop_name} IS UNIQUE"
            items.append(SchemaItem(name, "constraint", cypher))
        elif prop.kind == "vector":
            name = index_name(label, prop_name, "vector")
            cypher = (
                f"CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON n.{prop_name} OPTIONS {{indexConfig: {{"
                f"`vector.dimensions`: {prop.vector_dimensions}, "
                f"`vector.similarity_function`: '{prop.vector_similarity}', "
                # Quantisation makes scores approximate (0.70 comes back as 0.704); matches must be exact.
                "`vector.quantization.enabled`: false}}"
            )
            items.append(SchemaItem(name, "index", cypher))
        elif prop.indexed:
            name = index_name(label, prop_name, "index")
            items.append(
                SchemaItem(
                    name, "index", f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop_name})"
                )
            )
    return items


def index_name(label: str, prop: str, kind: str) -> str:
    """The stable name of a constraint or index: ``<label>_<property>_<unique|index|vector>``."""
    return f"{snake_case(label)}_{prop}_{kind}"


# The vector index semantic matching asks (Challenge.embedding), by the name schema_items() gives it.
VECTOR_INDEX = index_name("Challenge", "embedding", "vector")


def schema_items() -> list[SchemaItem]:
    """Every constraint and index kg relies on, in a stable order."""
    items = [
        SchemaItem(
            "kg_meta_key_unique",
            "constraint",
            f"CREATE CONSTRAINT kg_meta_key_unique IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.key IS UNIQUE",
        )
    ]
    for spec in [*graph_model().labels.values(), *operational_labels().values()]:
        items.extend(_items_for(spec))
    items.append(SchemaItem(FULLTEXT_INDEX, "index", _fulltext_cypher()))
    return items


FULLTEXT_INDEX = "kg_names_fulltext"
FULLTEXT_PROPERTIES = ("name", "aliases", "short_name", "acronym", "full_name")


def _fulltext_cypher() -> str:
    # One index over every label: search finds a city, a project or a challenge by any of its names.
    # 'standard-folding' folds accents, so "Sonderborg" finds "Sønderborg" and "munchen" finds "München".
    labels = "|".join(graph_model().labels)
    properties = ", ".join(f"n.{prop}" for prop in FULLTEXT_PROPERTIES)
    return (
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [{properties}] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}"
    )


# applied_at changes only when the version does, so re-running migrate leaves the graph byte-for-byte equal.
RECORD_SCHEMA_VERSION: LiteralString = """
MERGE (m:KGMeta {key: 'schema'})
SET m.applied_at = CASE WHEN m.version = $version THEN m.applied_at ELSE datetime() END,
    m.version = $version
"""
LIST_CONSTRAINT_NAMES: LiteralString = "SHOW CONSTRAINTS YIELD name RETURN name"
LIST_INDEX_NAMES: LiteralString = "SHOW INDEXES YIELD name RETURN name"
READ_SCHEMA_VERSION: LiteralString = "MATCH (m:KGMeta {key: 'schema'}) RETURN m.version AS version"
AWAIT_INDEXES_S = 300
AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"


@dataclass(frozen=True)
class MigrationReport:
    created: list[str]
    existing: list[str]
    version: int


def _existing_names(db: Database) -> set[str]:
    names: set[str] = set()
    for query in (LIST_CONSTRAINT_NAMES, LIST_INDEX_NAMES):
        names.update(row["name"] for row in db.read(query))
    return names


def apply_schema(db: Database) -> MigrationReport:
    """Create every missing constraint and index, then record SCHEMA_VERSION; safe to run any number of times.

    Example:
        >>> apply_schema(db).version  # doctest: +SKIP
        3
    """
    before = _existing_names(db)
    created: list[str] = []
    for item in schema_items():
        try:
            # DDL text derived from the graph model only (see the module docstring), never from input.
            db.write(item.cypher)
        except Neo4jError as error:
            raise SchemaMigrationError(f"could not apply {item.kind} {item.name}: {error}") from error
        if item.name not in before:
            created.append(item.name)
    db.with_timeout(max(db.timeout_s, AWAIT_INDEXES_S)).write(AWAIT_INDEXES)
    db.write(RECORD_SCHEMA_VERSION, version=SCHEMA_VERSION)
    existing = [item.name for item in schema_items() if item.name in before]
    return MigrationReport(created=created, existing=existing, version=SCHEMA_VERSION)


def read_schema_version(db: Database) -> int | None:
    rows = db.read(READ_SCHEMA_VERSION)
    return int(rows[0]["version"]) if rows else None

"""Constraints and indexes, derived from the model classes and applied idempotently (``kg db migrate``).

One mechanism only: this explicit, ordered list of ``CREATE ... IF NOT EXISTS`` statements. Labels and
property names come from the model classes (an allowlist), never from user input, so building the DDL text
from them is safe; Cypher cannot take labels or property names as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver

from kg.errors import SchemaMigrationError
from schema.models import NODE_MODELS, KGNode
from schema.naming import snake_case

# Bump when the set of constraints/indexes or the meaning of stored properties changes.
SCHEMA_VERSION = 3  # 2: vector index on Challenge.embedding; 3: full-text index over names and aliases
META_LABEL = "KGMeta"


@dataclass(frozen=True)
class SchemaItem:
    """One constraint or index: its stable name, kind and DDL."""

    name: str
    kind: str  # "constraint" | "index"
    cypher: str


def _items_for(model: type[KGNode]) -> list[SchemaItem]:
    label = model.__name__
    items: list[SchemaItem] = []
    for prop_name, prop in sorted(model.defined_properties(aliases=False, rels=False).items()):
        if getattr(prop, "unique_index", False):
            name = f"{snake_case(label)}_{prop_name}_unique"
            cypher = f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop_name} IS UNIQUE"
            items.append(SchemaItem(name, "constraint", cypher))
        elif getattr(prop, "vector_index", None) is not None:
            name = f"{snake_case(label)}_{prop_name}_vector"
            config = prop.vector_index
            cypher = (
                f"CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON n.{prop_name} OPTIONS {{indexConfig: {{"
                f"`vector.dimensions`: {int(config.dimensions)}, "
                f"`vector.similarity_function`: '{config.similarity_function}', "
                # Quantisation makes scores approximate (0.70 comes back as 0.704); matches must be exact.
                "`vector.quantization.enabled`: false}}"
            )
            items.append(SchemaItem(name, "index", cypher))
        elif getattr(prop, "index", False):
            name = f"{snake_case(label)}_{prop_name}_index"
            items.append(
                SchemaItem(
                    name, "index", f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop_name})"
                )
            )
    return items


def schema_items() -> list[SchemaItem]:
    """Every constraint and index kg relies on, in a stable order."""
    items = [
        SchemaItem(
            "kg_meta_key_unique",
            "constraint",
            f"CREATE CONSTRAINT kg_meta_key_unique IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.key IS UNIQUE",
        )
    ]
    for model in NODE_MODELS:
        items.extend(_items_for(model))
    items.append(SchemaItem(FULLTEXT_INDEX, "index", _fulltext_cypher()))
    return items


FULLTEXT_INDEX = "kg_names_fulltext"
FULLTEXT_PROPERTIES = ("name", "aliases", "short_name", "acronym", "full_name")


def _fulltext_cypher() -> str:
    # One index over every label: search finds a city, a project or a challenge by any of its names.
    # 'standard-folding' folds accents, so "Sonderborg" finds "Sønderborg" and "munchen" finds "München".
    labels = "|".join(model.__name__ for model in NODE_MODELS)
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


@dataclass(frozen=True)
class MigrationReport:
    created: list[str]
    existing: list[str]
    version: int


def _existing_names(driver: Driver, database: str | None) -> set[str]:
    names: set[str] = set()
    for query in (LIST_CONSTRAINT_NAMES, LIST_INDEX_NAMES):
        records, _, _ = driver.execute_query(query, database_=database)
        names.update(record["name"] for record in records)
    return names


def apply_schema(driver: Driver, database: str | None = None) -> MigrationReport:
    """Create every missing constraint and index, then record SCHEMA_VERSION; safe to run any number of times.

    Example:
        >>> report = apply_schema(driver)  # doctest: +SKIP
        >>> report.version
        1
    """
    before = _existing_names(driver, database)
    created: list[str] = []
    for item in schema_items():
        try:
            # DDL text derived from our model classes only (see the module docstring), never from input.
            driver.execute_query(item.cypher, database_=database)  # type: ignore[arg-type,unused-ignore]
        except Exception as error:
            raise SchemaMigrationError(f"could not apply {item.kind} {item.name}: {error}") from error
        if item.name not in before:
            created.append(item.name)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    driver.execute_query(RECORD_SCHEMA_VERSION, version=SCHEMA_VERSION, database_=database)
    existing = [item.name for item in schema_items() if item.name in before]
    return MigrationReport(created=created, existing=existing, version=SCHEMA_VERSION)


def read_schema_version(driver: Driver, database: str | None = None) -> int | None:
    records, _, _ = driver.execute_query(READ_SCHEMA_VERSION, database_=database)
    return int(records[0]["version"]) if records else None

"""kg db migrate: idempotent, each constraint once, and the constraints really reject duplicates."""

from __future__ import annotations

from collections import Counter

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from kg.core.database import Database
from schema import SCHEMA_VERSION, apply_schema, read_schema_version, schema_items
from schema.models import NODE_MODELS
from schema.naming import snake_case


def _names(driver: Driver, what: str) -> list[str]:
    query = (
        "SHOW CONSTRAINTS YIELD name RETURN name"
        if what == "constraints"
        else (
            "SHOW INDEXES YIELD name, owningConstraint, type WHERE owningConstraint IS NULL AND type <> 'LOOKUP' RETURN name"
        )
    )
    return [record["name"] for record in driver.execute_query(query).records]


def test_migrate_twice_creates_each_item_once(db: Database, driver: Driver) -> None:
    first = apply_schema(db)
    second = apply_schema(db)
    expected = [item.name for item in schema_items()]
    assert first.created == expected
    assert second.created == []
    assert second.existing == expected

    constraints = _names(driver, "constraints")
    indexes = _names(driver, "indexes")
    assert max(Counter(constraints + indexes).values()) == 1
    assert sorted(constraints) == sorted(item.name for item in schema_items() if item.kind == "constraint")
    assert sorted(indexes) == sorted(item.name for item in schema_items() if item.kind == "index")
    assert read_schema_version(db) == SCHEMA_VERSION


def test_every_label_has_a_unique_public_id(db: Database, driver: Driver) -> None:
    apply_schema(db)
    constraints = set(_names(driver, "constraints"))
    for model in NODE_MODELS:
        assert f"{snake_case(model.__name__)}_uid_unique" in constraints


@pytest.mark.parametrize("label", ["City", "Challenge", "Source"])
def test_duplicate_public_id_is_rejected(db: Database, driver: Driver, label: str) -> None:
    apply_schema(db)
    # The label comes from the test's own allowlist above.
    create = {
        "City": "CREATE (:City {uid: $uid, name: $name})",
        "Challenge": "CREATE (:Challenge {uid: $uid, name: $name})",
        "Source": "CREATE (:Source {uid: $uid, name: $name, file_name: $uid})",
    }[label]
    driver.execute_query(create, uid="lyon", name="Lyon")
    with pytest.raises(ConstraintError):
        driver.execute_query(create, uid="lyon", name="Lyon again")
    records, _, _ = driver.execute_query("MATCH (n {uid: 'lyon'}) RETURN count(n) AS n")
    assert records[0]["n"] == 1


def test_schema_version_is_absent_before_migrate(db: Database) -> None:
    assert read_schema_version(db) is None

"""A snapshot of the domain graph for equality checks: every node's labels and properties and every relationship's
ends, type and properties, leaving out what differs between two equal imports (their run ids and stamps) and
the runs' own ImportRun / Resolution nodes and LOADED_BY links."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from neo4j import Driver

OPERATIONAL = "n:ImportRun OR n:Resolution"
RUN_PROPERTIES = frozenset({"import_run_ids"})
STAMPS = frozenset({"updated_at", "applied_at"})


def graph_state(driver: Driver, ignore: frozenset[str] = RUN_PROPERTIES) -> list[Any]:
    nodes = driver.execute_query(
        f"MATCH (n) WHERE NOT ({OPERATIONAL}) "
        "RETURN labels(n) AS labels, properties(n) AS props ORDER BY labels(n)[0], n.uid, n.key"
    ).records
    rels = driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE type(r) <> 'LOADED_BY' "
        "RETURN a.uid AS a, type(r) AS t, b.uid AS b, properties(r) AS props ORDER BY a, t, b"
    ).records

    def kept(props: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k not in ignore}

    return [[r["labels"], kept(r["props"])] for r in nodes] + [
        [r["a"], r["t"], r["b"], kept(r["props"])] for r in rels
    ]


def graph_fingerprint(driver: Driver, ignore: frozenset[str] = RUN_PROPERTIES) -> str:
    payload = graph_state(driver, ignore)
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()

"""The seed knowledge base for the test modules that read it, imported for real once per test process.

A module asks for the stages it needs (``seeded(db, "seed", "embeddings")``). The first time a process meets a
sequence of stages it runs them (the real importers, the real encoder) and keeps a snapshot of the graph after
each; later modules get the same graph back from the snapshot in a few statements instead of a ~15 s import, and
the restored graph's fingerprint — every node and relationship with every property, run ids and stamps included
— must equal the one the real import left, or the test errors. A database that already holds the graph asked
for is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import Driver

from importers.programme import import_programme
from importers.seed import import_seed
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from kg.replication import refresh_challenge_embeddings
from queries.admin import wipe_database
from schema import apply_schema
from tests.conftest import seed_documents_dir
from tests.integration.graph_state import graph_fingerprint

Stage = Callable[[Database, SentenceEmbedder | None], Any]


def _embed(db: Database, embedder: SentenceEmbedder | None) -> int:
    assert embedder is not None, "the embeddings stage needs the embedder fixture"
    return refresh_challenge_embeddings(db, embedder)


STAGES: Final[dict[str, Stage]] = {
    "seed": lambda db, _: import_seed(db, documents_dir=seed_documents_dir()),
    "programme": lambda db, _: import_programme(db),
    "embeddings": _embed,
}

READ_NODES: Final[LiteralString] = (
    "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props"
)
READ_RELATIONSHIPS: Final[LiteralString] = (
    "MATCH (a)-[r]->(b) RETURN elementId(a) AS start, elementId(b) AS end, type(r) AS type, "
    "properties(r) AS props"
)
DELETE_NODES: Final[LiteralString] = "MATCH (n) DETACH DELETE n"
CREATE_NODES: Final[LiteralString] = """
UNWIND $rows AS row
CREATE (n:$(row.labels))
SET n = row.props
RETURN row.id AS old, elementId(n) AS new
"""
# Embeddings go back as the float32 vectors the encoder's statement wrote (SET would store float64).
SET_VECTORS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.id
CALL db.create.setNodeVectorProperty(n, 'embedding', row.embedding)
"""
CREATE_RELATIONSHIPS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.start
MATCH (b) WHERE elementId(b) = row.end
CREATE (a)-[r:$(row.type)]->(b)
SET r = row.props
"""


COUNT_ALL: Final[LiteralString] = (
    "RETURN COUNT { MATCH (n) } AS nodes, COUNT { MATCH ()-[r]->() } AS relationships"
)


def exact_fingerprint(driver: Driver) -> str:
    """Every property of the domain graph, and the totals (which count the import runs too)."""
    totals = driver.execute_query(COUNT_ALL).records[0]
    return f"{graph_fingerprint(driver, frozenset())}:{totals['nodes']}:{totals['relationships']}"


@dataclass(frozen=True)
class Snapshot:
    nodes: list[dict[str, Any]]
    relationships: list[dict[str, Any]]
    fingerprint: str
    reports: tuple[Any, ...]  # what each stage's real run returned

    @classmethod
    def take(cls, db: Database, reports: tuple[Any, ...]) -> Snapshot:
        return cls(db.read(READ_NODES), db.read(READ_RELATIONSHIPS), exact_fingerprint(db.driver), reports)

    def restore(self, db: Database) -> None:
        wipe_database(db)
        apply_schema(db)
        db.write(DELETE_NODES)  # the schema version apply_schema recorded comes back from the snapshot
        created = db.write(CREATE_NODES, rows=self.nodes)
        new_id = {row["old"]: row["new"] for row in created}
        vectors = [
            {"id": new_id[node["id"]], "embedding": node["props"]["embedding"]}
            for node in self.nodes
            if "embedding" in node["props"]
        ]
        if vectors:
            db.write(SET_VECTORS, rows=vectors)
        rows = [
            {**rel, "start": new_id[rel["start"]], "end": new_id[rel["end"]]} for rel in self.relationships
        ]
        db.write(CREATE_RELATIONSHIPS, rows=rows)
        restored = exact_fingerprint(db.driver)
        assert restored == self.fingerprint, "the snapshot did not restore the graph the import left"


_SNAPSHOTS: dict[tuple[str, ...], Snapshot] = {}


def seeded(db: Database, *stages: str, embedder: SentenceEmbedder | None = None) -> tuple[Any, ...]:
    """The graph after ``stages`` run in order on an empty database; returns each stage's report."""
    unknown = [stage for stage in stages if stage not in STAGES]
    assert stages and not unknown, f"stages are {sorted(STAGES)}, not {unknown}"
    done = max((n for n in range(len(stages), 0, -1) if stages[:n] in _SNAPSHOTS), default=0)
    if done:
        snapshot = _SNAPSHOTS[stages[:done]]
        if exact_fingerprint(db.driver) != snapshot.fingerprint:
            snapshot.restore(db)
        reports = snapshot.reports
    else:
        wipe_database(db)
        reports = ()
    for n in range(done, len(stages)):
        reports += (STAGES[stages[n]](db, embedder),)
        _SNAPSHOTS[stages[: n + 1]] = Snapshot.take(db, reports)
    return reports

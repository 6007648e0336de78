"""The bounded load (benchmarks/load.py) in its short mode: 32 clients on loopback against the real API process
over the seeded session server, heavy queries and a curator's writes among the reads. ``make soak`` runs the
same for 10 minutes. Asserted: no 5xx other than deliberate 503/504, every normal read answered, every
acknowledged write stored. The figures are printed (``-s``) and written to RELIABILITY.md by hand, never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.api_latency import running_api
from benchmarks.load import measure
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder

SHORT_S = 12.0


def test_32_clients_with_heavy_queries_and_writes_lose_nothing_and_starve_no_reader(
    seeded_app: TestClient,
    session_db: Database,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path: Path,
) -> None:
    report = measure(
        session_db,
        lambda extra: running_api(neo4j_connection, embedder.model_directory, tmp_path / "api.log", extra),
        SHORT_S,
        clients=32,
    )
    print(json.dumps(report.summary()))
    assert report.failures() == []
    assert report.kinds["heavy"].statuses  # the heavy clients did run
    assert sum(report.kinds["matches"].statuses.values()) > 0

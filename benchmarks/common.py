"""What every benchmark needs: the embedding model and a throwaway Neo4j that never touches .kg/ data."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder, install_model, model_is_installed
from kg.provisioning.throwaway import throwaway_neo4j as throwaway_server


@dataclass(frozen=True)
class BenchEnvironment:
    settings: Settings
    embedder: SentenceEmbedder
    connection: Neo4jConnection
    db: Database
    home: Path


@contextmanager
def throwaway_neo4j(heap: str = "1g", pagecache: str = "512m") -> Iterator[BenchEnvironment]:
    """A fresh Neo4j (kg.provisioning.throwaway), stopped and deleted afterwards."""
    settings = Settings()
    if not model_is_installed(settings.model_dir):
        install_model(settings.model_dir)
    embedder = SentenceEmbedder.load(settings.model_dir)
    with (
        tempfile.TemporaryDirectory(prefix="kg-bench-") as home,
        throwaway_server(settings.runtime_dir, heap, pagecache) as connection,
        Database.open(connection) as db,
    ):
        yield BenchEnvironment(settings, embedder, connection, db, Path(home))


def timed(call: Callable[[], object], samples: int, warm_up: int = 1) -> list[float]:
    """Milliseconds per call, after ``warm_up`` unmeasured calls (plan cache, page cache, connections)."""
    for _ in range(warm_up):
        call()
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def percentiles(durations: list[float]) -> tuple[float, float]:
    """(p50, p95) of ``durations``: the median and the nearest-rank 95th percentile."""
    ordered = sorted(durations)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

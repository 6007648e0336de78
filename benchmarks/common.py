"""What every benchmark needs: the embedding model and a throwaway Neo4j that never touches .kg/ data."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg.embeddings import SentenceEmbedder, install_model, model_is_installed
from kg.server import LocalNeo4jServer, Neo4jConnection, find_free_port
from kg.settings import Settings


@dataclass(frozen=True)
class BenchEnvironment:
    settings: Settings
    embedder: SentenceEmbedder
    connection: Neo4jConnection
    home: Path


@contextmanager
def throwaway_neo4j() -> Iterator[BenchEnvironment]:
    """A fresh local Neo4j (temporary folder, free port, heap 1 GiB), stopped and deleted afterwards."""
    settings = Settings()
    if not model_is_installed(settings.model_dir):
        install_model(settings.model_dir)
    embedder = SentenceEmbedder.load(settings.model_dir)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as home:
        server = LocalNeo4jServer(
            Path(home), settings.runtime_dir, find_free_port(), heap_size="1g", pagecache_size="512m"
        )
        connection = server.start().connection
        try:
            yield BenchEnvironment(settings, embedder, connection, Path(home))
        finally:
            server.stop()


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

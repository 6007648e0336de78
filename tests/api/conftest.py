"""The real app over the seed knowledge base, shared by the API test modules that only read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from importers.seed import import_seed
from kg.embeddings import SentenceEmbedder
from kg.replication import refresh_challenge_embeddings
from kg.server import Neo4jConnection
from kg.settings import Settings
from queries.admin import wipe_database
from tests.conftest import seed_documents_dir


@pytest.fixture(scope="module")
def seeded_app(
    session_driver: Driver,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """Seed imported and embedded once per module; the app reaches the test server through the environment."""
    wipe_database(session_driver)
    import_seed(session_driver, documents_dir=seed_documents_dir())
    refresh_challenge_embeddings(session_driver, embedder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("api"))
        patch.setenv("NEO4J_URI", neo4j_connection.uri)
        patch.setenv("NEO4J_USER", neo4j_connection.user)
        patch.setenv("NEO4J_PASSWORD", neo4j_connection.password)
        patch.setenv("KG_MODEL_DIR", str(embedder.model_directory))
        with TestClient(create_app(Settings())) as test_client:
            yield test_client

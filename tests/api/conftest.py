"""The real app over the seed knowledge base, shared by the API test modules that only read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from importers.seed import import_seed
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder
from kg.replication import refresh_challenge_embeddings
from queries.admin import wipe_database
from tests.conftest import point_at, seed_documents_dir


@pytest.fixture(scope="module")
def seeded_app(
    session_db: Database,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """Seed imported and embedded once per module; the app reaches the test server through the environment."""
    wipe_database(session_db)
    import_seed(session_db, documents_dir=seed_documents_dir())
    refresh_challenge_embeddings(session_db, embedder)
    with pytest.MonkeyPatch.context() as patch:
        point_at(patch, neo4j_connection, tmp_path_factory.mktemp("api"))
        patch.setenv("KG_MODEL_DIR", str(embedder.model_directory))
        with TestClient(create_app(Settings())) as test_client:
            yield test_client

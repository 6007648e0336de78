"""Every GraphQL example in api/README.md runs unchanged against the seed knowledge base."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

DOCS = Path(__file__).resolve().parents[2] / "api" / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_docs_have_examples_for_each_user() -> None:
    names = [re.search(r"query (\w+)", example).group(1) for example in EXAMPLES]  # type: ignore[union-attr]
    assert len(EXAMPLES) >= 6
    assert {"FollowersAndDataChallenges", "MatchesForSofia", "Dashboard"} <= set(names)


@pytest.fixture(scope="module")
def client(
    session_driver: Driver,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    wipe_database(session_driver)
    import_seed(session_driver, documents_dir=seed_documents_dir())
    refresh_challenge_embeddings(session_driver, embedder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("docs"))
        patch.setenv("NEO4J_URI", neo4j_connection.uri)
        patch.setenv("NEO4J_USER", neo4j_connection.user)
        patch.setenv("NEO4J_PASSWORD", neo4j_connection.password)
        patch.setenv("KG_MODEL_DIR", str(embedder.model_directory))
        with TestClient(create_app(Settings())) as test_client:
            yield test_client


def _non_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_non_empty(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value is not None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda text: re.search(r"query (\w+)", text).group(1))  # type: ignore[union-attr]
def test_example_runs_unchanged(client: TestClient, example: str) -> None:
    response = client.post("/graphql", json={"query": example})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    for field, value in body["data"].items():
        assert _non_empty(value), f"{field} returned nothing on the seed knowledge base"

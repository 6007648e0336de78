"""The GraphQL API through the real FastAPI app against the real Neo4j (seed knowledge base)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.graphql.export import SDL_FILE
from api.graphql.schema import sdl
from importers.seed import import_seed
from kg.embeddings import SentenceEmbedder
from kg.replication import refresh_challenge_embeddings
from kg.server import Neo4jConnection
from kg.settings import Settings
from queries.admin import wipe_database
from tests.conftest import seed_documents_dir


def test_exported_sdl_is_current() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == sdl(), "run: python -m api.graphql.export"


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
    model_dir = Path(embedder.model_directory)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("api"))
        patch.setenv("NEO4J_URI", neo4j_connection.uri)
        patch.setenv("NEO4J_USER", neo4j_connection.user)
        patch.setenv("NEO4J_PASSWORD", neo4j_connection.password)
        patch.setenv("KG_MODEL_DIR", str(model_dir))
        with TestClient(create_app(Settings())) as test_client:
            yield test_client


def graphql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


MATCHES = """
query ($follower: String!, $first: Int) {
  replicationMatches(follower: $follower, first: $first) {
    follower { uid name }
    kbVersion
    note
    matches {
      lighthouse { uid }
      score
      factors { name value weight }
      sharedChallenges { followerChallenge { uid } matchedChallenge { uid } kind similarity }
      solutions { uid outcome project }
      evidence { claim fileName quote }
      kbVersion
    }
  }
}
"""


def test_replication_matches_equal_the_engine(client: TestClient, session_driver: Driver) -> None:
    from kg.replication import ReplicationEngine

    body = graphql(client, MATCHES, follower="Sofia", first=3)
    assert "errors" not in body, body
    result = body["data"]["replicationMatches"]
    expected = ReplicationEngine(session_driver).matches_for("sofia", top=3)
    assert result["follower"] == {"uid": "sofia", "name": "Sofia"}
    assert [(m["lighthouse"]["uid"], m["score"]) for m in result["matches"]] == [
        (m.lighthouse.uid, m.score) for m in expected.matches
    ]
    first = result["matches"][0]
    assert [f["name"] for f in first["factors"]] == ["challenges", "thematic", "ties", "context"]
    assert first["evidence"] and all(e["fileName"].endswith(".txt") for e in first["evidence"])
    assert {s["kind"] for m in result["matches"] for s in m["sharedChallenges"]} <= {"EXACT", "SEMANTIC"}
    assert result["kbVersion"].startswith("seed-")


def test_unknown_follower_is_a_coded_error(client: TestClient) -> None:
    body = graphql(client, MATCHES, follower="Atlantis", first=3)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "Atlantis" in body["errors"][0]["message"]


def test_page_size_is_bounded(client: TestClient) -> None:
    body = graphql(client, MATCHES, follower="Sofia", first=1000)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_barrier_matches_and_analyses(client: TestClient) -> None:
    body = graphql(
        client,
        """
        query {
          barrierMatches(barriers: ["citizens show little interest in our project"], country: "BG") {
            matches { lighthouse { uid } sharedChallenges { kind matchedChallenge { uid } } }
          }
          sharedChallenges(first: 3) { uid cities projects kbVersion }
          gaps(follower: "sofia") { follower { uid } challenges gaps { uid } }
          unreplicatedSolutions { uid lighthouse { uid } }
          kbVersion
        }
        """,
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["barrierMatches"]["matches"], "a free-text barrier about public interest should match"
    assert all(
        s["kind"] == "SEMANTIC" for m in data["barrierMatches"]["matches"] for s in m["sharedChallenges"]
    )
    assert (
        len(data["sharedChallenges"]) == 3 and data["sharedChallenges"][0]["kbVersion"] == data["kbVersion"]
    )
    assert data["gaps"][0]["follower"]["uid"] == "sofia" and data["gaps"][0]["challenges"] > 0
    assert data["unreplicatedSolutions"]


def test_graphiql_is_served_in_development(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()

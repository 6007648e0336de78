"""The GraphQL API through the real FastAPI app against the real Neo4j (seed knowledge base)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.graphql.export import SDL_FILE
from api.graphql.schema import sdl
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.replication import ReplicationEngine
from queries.system import count_nodes_by_label
from tests.conftest import point_at


def test_exported_sdl_is_current() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == sdl(), "run: python -m api.graphql.export"


@pytest.fixture(scope="module")
def client(seeded_app: TestClient) -> TestClient:
    return seeded_app


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


def test_replication_matches_equal_the_engine(client: TestClient, session_db: Database) -> None:
    body = graphql(client, MATCHES, follower="Sofia", first=3)
    assert "errors" not in body, body
    result = body["data"]["replicationMatches"]
    expected = ReplicationEngine(session_db).matches_for("sofia", top=3)
    assert result["follower"] == {"uid": "sofia", "name": "Sofia"}
    assert [(m["lighthouse"]["uid"], m["score"]) for m in result["matches"]] == [
        (m.lighthouse.uid, m.score) for m in expected.matches
    ]
    first = result["matches"][0]
    assert [f["name"] for f in first["factors"]] == ["challenges", "needs", "channel", "thematic", "context"]
    assert first["evidence"] and all(e["fileName"].endswith(".txt") for e in first["evidence"])
    assert {s["kind"] for m in result["matches"] for s in m["sharedChallenges"]} <= {"EXACT", "SEMANTIC"}
    assert result["kbVersion"].startswith("kb-")


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
    # kg's own page: GraphiQL and React from the app's /static, no CDN, no inline script
    assert '<script src="/static/vendor/graphiql.min.js"></script>' in response.text
    assert "unpkg.com" not in response.text and "<script>" not in response.text


NESTED = """
query ($first: Int!, $withTotal: Boolean!) {
  cities(first: $first, sort: [{field: UID}]) {
    totalCount @include(if: $withTotal)
    edges { node { uid projects { role node { uid partners { role node { shortName country } } } } } }
  }
}
"""


def test_nested_query_statement_count_does_not_grow_with_the_page(
    client: TestClient, statements: list[str]
) -> None:
    counts = {}
    for first in (1, 50):
        statements.clear()
        body = graphql(client, NESTED, first=first, withTotal=False)
        assert "errors" not in body, body
        assert len(body["data"]["cities"]["edges"]) == min(first, 21)
        counts[first] = len(statements)
    assert counts[1] == counts[50] == 1
    statements.clear()
    graphql(client, NESTED, first=50, withTotal=True)
    assert len(statements) == 2  # the page, and one count statement for totalCount


def test_pagination_round_trip_returns_every_node_once(client: TestClient) -> None:
    query = """
    query ($after: String) {
      organisations(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { uid } } }
    }"""
    seen: list[str] = []
    after = None
    while True:
        page = graphql(client, query, after=after)["data"]["organisations"]
        seen.extend(edge["node"]["uid"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] == 92


def test_scalar_and_nested_filters(client: TestClient) -> None:
    query = """
    query {
      followers: cities(where: {projects: {some: {node: {uid: {eq: "smarter-together"}}, edge: {role: {eq: follower}}}}}) {
        totalCount edges { node { uid } }
      }
      bulgarian: cities(where: {country: {eq: "BG"}, population: {gt: 100000}}) { edges { node { uid } } }
      noChallenges: cities(where: {challenges: {none: {}}, projects: {some: {edge: {role: {eq: follower}}}}}) {
        edges { node { uid } }
      }
      dataField: cities(where: {challenges: {some: {node: {fields: {some: {node: {uid: {startsWith: "data"}}}}}}}}) {
        totalCount
      }
      either: cities(where: {OR: [{uid: {eq: "lyon"}}, {name: {contains: "MUN"}}], NOT: {uid: {eq: "vienna"}}}) {
        edges { node { uid } }
      }
      solved: solutions(where: {outcomes: {includes: "30% reduction in energy consumption within 6 months against a 25% target"}}) {
        edges { node { uid } }
      }
      dated: events(where: {startDate: {gte: "2017-01-01", lt: "2017-03-01"}}, sort: [{field: START_DATE}]) {
        edges { node { uid startDate } }
      }
    }"""
    body = graphql(client, query)
    assert "errors" not in body, body
    data = body["data"]
    uids = {key: [e["node"]["uid"] for e in data[key]["edges"]] for key in data if "edges" in data[key]}
    assert sorted(uids["followers"]) == ["santiago-de-compostela", "sofia", "venice"]
    assert sorted(uids["bulgarian"]) == ["burgas", "sofia"]
    # Since issue 9 a barrier is a city's only where the text says so: the Sharing Cities fellow cities face none.
    assert uids["noChallenges"] == ["asenovgrad", "bordeaux", "burgas", "warsaw"]
    assert data["dataField"]["totalCount"] > 0
    assert sorted(uids["either"]) == ["lyon", "munich"]
    assert uids["solved"] == ["lisbon-smart-ambassadors"]
    starts = [e["node"]["startDate"] for e in data["dated"]["edges"]]
    assert starts == sorted(starts) and all("2017-01-01" <= d < "2017-03-01" for d in starts)


def test_relationship_properties_on_edges(client: TestClient) -> None:
    query = """
    query {
      cities(where: {uid: {eq: "burgas"}}) {
        edges { node { projects { role roleLabel quotes sourceIds node { uid } } } }
      }
    }"""
    edge = graphql(client, query)["data"]["cities"]["edges"][0]["node"]["projects"][0]
    assert (edge["role"], edge["roleLabel"], edge["node"]["uid"]) == (
        "follower",
        "fellow city",
        "sharing-cities",
    )
    assert edge["sourceIds"] == ["sharing-cities-milan-meeting-record"] and edge["quotes"]


def test_bad_cursor_and_page_size_are_clear_errors(client: TestClient) -> None:
    bad_cursor = graphql(client, 'query { cities(after: "nonsense") { edges { node { uid } } } }')
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_big = graphql(client, "query { cities(first: 1000) { edges { node { uid } } } }")
    assert too_big["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# ------------------------------------------------------------------------------------------------ safety


def _rejected(body: dict[str, Any], fragment: str) -> None:
    assert body.get("data") is None, body
    assert fragment in body["errors"][0]["message"], body["errors"]


def test_depth_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    deep = "query { cities { edges { node { projects { node { cities { node { projects { node { cities { node { projects { node { uid } } } } } } } } } } } } } }"
    _rejected(graphql(client, deep), "exceeds maximum operation depth")
    assert statements == []


def test_alias_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    aliases = " ".join(f"a{i}: kbVersion" for i in range(25))
    _rejected(graphql(client, "query { " + aliases + " }"), "aliases")
    assert statements == []


def test_token_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    fields = " ".join(["uid"] * 3500)
    _rejected(graphql(client, "query { cities { edges { node { " + fields + " } } } }"), "token")
    assert statements == []


def test_cost_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    costly = "query { cities(first: 100) { edges { node { projects(first: 100) { node { partners(first: 100) { node { uid name country kind } } } } } } } }"
    body = graphql(client, costly)
    _rejected(body, "query cost")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert statements == []


def test_page_size_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    body = graphql(client, "query { cities(first: 1000) { edges { node { uid } } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert statements == []


def test_body_size_limit_rejects_before_any_cypher(client: TestClient, statements: list[str]) -> None:
    padding = "#" + "x" * 150_000 + "\n"
    response = client.post("/graphql", json={"query": padding + "query { kbVersion }"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert statements == []


def test_unexpected_errors_are_masked_and_logged_with_a_request_id(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("Cypher MATCH (n:Secret) WHERE n.password = $p0 failed")

    monkeypatch.setattr(Database, "read", broken)
    response = client.post(
        "/graphql",
        json={"query": "query { cities { edges { node { uid } } } }"},
        headers={"X-Request-ID": "req-42"},
    )
    assert response.headers["x-request-id"] == "req-42"
    error = response.json()["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert (
        "Secret" not in response.text and "password" not in response.text and "Traceback" not in response.text
    )
    assert any("req-42" in record.getMessage() for record in caplog.records)


@pytest.fixture
def app_with(
    neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., TestClient]:
    """A fresh app over the test server, with extra settings given as environment variables."""
    point_at(monkeypatch, neo4j_connection, tmp_path)

    def make(**environment: str) -> TestClient:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return TestClient(create_app(Settings()))

    return make


def test_production_hides_introspection_and_graphiql(app_with: Callable[..., TestClient]) -> None:
    with app_with(KG_ENV="production", KG_VIEW_TOKEN_SECRET="v" * 40) as production:
        introspection = production.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert "introspection" in introspection.json()["errors"][0]["message"].lower()
        assert production.get("/graphql", headers={"Accept": "text/html"}).status_code != 200
        ok = production.post("/graphql", json={"query": "{ kbVersion }"})
        assert ok.json()["data"]["kbVersion"].startswith("kb-")


def test_operation_timeout(app_with: Callable[..., TestClient]) -> None:
    with app_with(KG_API_OPERATION_TIMEOUT="0.001") as impatient:
        slow = impatient.post(
            "/graphql", json={"query": '{ replicationMatches(follower: "sofia") { note } }'}
        )
    assert slow.status_code == 504, slow.text
    assert slow.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"


# ------------------------------------------------------------------------------------------------ browse


def test_node_by_global_id(client: TestClient) -> None:
    query = """
    query ($id: ID!) { node(id: $id) { __typename ... on City { id name country projects { role node { uid } } } } }
    """
    lyon = graphql(client, query, id="City:lyon")["data"]["node"]
    assert lyon == {
        "__typename": "City",
        "id": "City:lyon",
        "name": "Lyon",
        "country": "FR",
        "projects": [{"role": "lighthouse", "node": {"uid": "smarter-together"}}],
    }
    assert graphql(client, query, id="City:atlantis")["data"]["node"] is None
    bad = graphql(client, query, id="lyon")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_full_text_search_folds_accents(client: TestClient) -> None:
    query = (
        "query ($text: String!, $labels: [String!]) { search(text: $text, labels: $labels) { label uid id } }"
    )
    assert graphql(client, query, text="Sonderborg", labels=["City"])["data"]["search"] == [
        {"label": "City", "uid": "sonderborg", "id": "City:sonderborg"}
    ]
    assert [
        hit["uid"] for hit in graphql(client, query, text="munchen", labels=["City"])["data"]["search"]
    ] == ["munich"]
    assert [
        hit["uid"] for hit in graphql(client, query, text="Lisboa", labels=["City"])["data"]["search"]
    ] == ["lisbon"]
    # Lucene operators in user text are escaped, not interpreted (and never break the query).
    assert graphql(client, query, text='"unbalanced (( AND:', labels=None)["data"]["search"] == []


def test_aggregates_for_dashboards(client: TestClient) -> None:
    data = graphql(client, "query { aggregates { labels { key count } cityRoles { key count } } }")["data"]
    labels = {row["key"]: row["count"] for row in data["aggregates"]["labels"]}
    assert labels["City"] == 21 and labels["Organisation"] == 92 and labels["Source"] == 5
    roles = {row["key"]: row["count"] for row in data["aggregates"]["cityRoles"]}
    assert roles == {"follower": 7, "lighthouse": 10}


def test_healthz_reports_the_knowledge_base_version(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["neo4j"] == "up" and body["kb_version"].startswith("kb-") and body["schema_current"] is True


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("cities", "City"),
        ("projects", "Project"),
        ("networks", "Network"),
        ("organisations", "Organisation"),
        ("thematicFields", "ThematicField"),
        ("challenges", "Challenge"),
        ("solutions", "Solution"),
        ("bestPractices", "BestPractice"),
        ("events", "Event"),
        ("sources", "Source"),
    ],
)
def test_every_label_has_a_connection(
    client: TestClient, session_db: Database, field: str, label: str
) -> None:
    body = graphql(client, "query { " + field + "(first: 3) { totalCount edges { node { id uid name } } } }")
    assert "errors" not in body, body
    connection = body["data"][field]
    assert connection["totalCount"] == count_nodes_by_label(session_db)[label]
    assert len(connection["edges"]) == 3
    assert all(edge["node"]["id"] == f"{label}:{edge['node']['uid']}" for edge in connection["edges"])


@pytest.mark.parametrize(
    ("root", "field", "cypher"),
    [
        (
            "events",
            "organisedByNetworks",
            "MATCH (e:Event)-[:ORGANISED_BY]->(:Network) RETURN count(DISTINCT e) AS n",
        ),
        (
            "events",
            "discussedBestPractices",
            "MATCH (e:Event)-[:DISCUSSED]->(:BestPractice) RETURN count(DISTINCT e) AS n",
        ),
        (
            "bestPractices",
            "learnedFromSolutions",
            "MATCH (b:BestPractice)-[:LEARNED_FROM]->(:Solution) RETURN count(DISTINCT b) AS n",
        ),
    ],
)
def test_the_relationships_declared_late_are_traversable_and_filterable(
    client: TestClient, session_driver: Any, root: str, field: str, cypher: str
) -> None:
    expected = session_driver.execute_query(cypher).records[0]["n"]
    assert expected > 0  # the seed uses each of them
    query = (
        "query { " + root + "(where: {" + field + ": {some: {}}}, first: 100) "
        "{ totalCount edges { node { uid " + field + "(first: 100) { sourceIds quotes node { uid } } } } } }"
    )
    body = graphql(client, query)
    assert "errors" not in body, body
    connection = body["data"][root]
    assert connection["totalCount"] == expected
    edges = [edge for e in connection["edges"] for edge in e["node"][field]]
    assert edges and all(edge["sourceIds"] and edge["quotes"] and edge["node"]["uid"] for edge in edges)


CANDIDATES = """
query ($solution: String!, $scoring: ScoringInput) {
  replicationCandidates(solution: $solution, scoring: $scoring) {
    solution { uid } lighthouse { uid } status note scoring kbVersion
    candidates { follower { uid } score reason sharedChallenges { attribution kind } metNeeds { field { uid } }
                 organisations { name } evidence { fileName quote } }
  }
}
"""


def test_replication_candidates_answer_the_missions_question(
    client: TestClient, session_db: Database
) -> None:
    engine = ReplicationEngine(session_db)
    expected = engine.candidates_for("electryc")
    body = graphql(client, CANDIDATES, solution="electryc")
    assert "errors" not in body, body
    result = body["data"]["replicationCandidates"]
    assert [c["follower"]["uid"] for c in result["candidates"]] == [
        m.follower.uid for m in expected.candidates
    ]
    assert result["lighthouse"]["uid"] == "lyon" and result["candidates"]
    assert all(c["reason"] and c["evidence"] for c in result["candidates"])
    assert result["scoring"] == "2026-12-01"
    overridden = graphql(client, CANDIDATES, solution="electryc", scoring={"ignoreTies": True})
    assert overridden["data"]["replicationCandidates"]["scoring"].startswith("2026-12-01+")
    bad = graphql(client, CANDIDATES, solution="electryc", scoring={"outcomes": ["fixed"]})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "scoring.outcomes" in bad["errors"][0]["message"]
    unknown = graphql(client, CANDIDATES, solution="teleporter")
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_programme_wide_candidates_default_to_already_solved(client: TestClient) -> None:
    body = graphql(
        client,
        "{ allReplicationCandidates(minScore: 0.1) { solution { uid } scoring candidates { follower { uid } "
        "solutions { outcome } } } }",
    )
    assert "errors" not in body, body
    rows = body["data"]["allReplicationCandidates"]
    assert rows and all(r["candidates"] for r in rows)
    outcomes = {s["outcome"] for r in rows for c in r["candidates"] for s in c["solutions"] if s["outcome"]}
    assert outcomes <= {"solved", "mitigated"}

"""``GET /export/{format}`` and the GraphQL field ``exportGraph`` over the seed: the same graph as the Python
export, the right content types and download names, the read permission, and clear refusals."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from kg.core.apikeys import Role, new_key
from kg.core.database import Database
from kg.export import FORMATS, Selection, read_gexf, read_graphml, read_node_link, select, to_networkx
from tests.graph_compare import typed

READERS = {"graphml": read_graphml, "gexf": read_gexf, "node-link": read_node_link}
KEY, ENTRY = new_key("researcher-bot", Role.READER)


def _read(file_format: str, body: bytes, tmp_path: Path) -> nx.MultiDiGraph:
    path = tmp_path / f"download.{file_format}"
    path.write_bytes(body)
    return READERS[file_format](path)


@pytest.mark.parametrize("file_format", sorted(READERS))
def test_a_download_is_the_python_export(
    seeded_app: TestClient, session_db: Database, file_format: str, tmp_path: Path
) -> None:
    response = seeded_app.get(f"/export/{file_format}", params={"project": "smarter-together"})
    assert response.status_code == 200, response.text
    expected = to_networkx(select(session_db, Selection.of("project", "smarter-together")))
    assert typed(_read(file_format, response.content, tmp_path))[:2] == typed(expected)[:2]
    suffix = {"graphml": ".graphml", "gexf": ".gexf", "node-link": ".json"}[file_format]
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="kg-project-smarter-together{suffix}"'
    )


def test_every_format_has_its_content_type(seeded_app: TestClient) -> None:
    types = {}
    for file_format in FORMATS:
        response = seeded_app.get(
            f"/export/{file_format}", params={"around": "Lyon", "labels": ["City", "Project"]}
        )
        assert response.status_code == 200, response.text
        types[file_format] = response.headers["content-type"].split(";")[0]
    assert types == {
        "graphml": "application/graphml+xml",
        "gexf": "application/gexf+xml",
        "node-link": "application/json",
        "kg-json": "application/json",
    }


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "text"),
    [
        ("/export/pdf", {}, 404, "NOT_FOUND", "unknown format 'pdf'"),
        ("/export/graphml", {"cypher": "MATCH (n) RETURN n"}, 400, "BAD_USER_INPUT", "CLI and Python only"),
        ("/export/graphml", {"project": "atlantis"}, 404, "NOT_FOUND", "no Project has the id"),
        ("/export/graphml", {"city": "lyon", "project": "x"}, 400, "BAD_USER_INPUT", "choose one selection"),
        ("/export/graphml", {"labels": "Town"}, 400, "BAD_USER_INPUT", "labels: unknown Town"),
        ("/export/graphml", {"match": "sofia:atlantis"}, 404, "NOT_FOUND", "atlantis"),
    ],
)
def test_bad_requests_get_a_clear_error(
    seeded_app: TestClient, path: str, params: dict[str, str], status: int, code: str, text: str
) -> None:
    response = seeded_app.get(path, params=params)
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code and text in error["message"]


def test_export_graph_answers_node_link_json(seeded_app: TestClient, session_db: Database) -> None:
    query = '{ exportGraph(selection: {match: "sofia:munich"}) }'
    body = seeded_app.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    graph = nx.node_link_graph(body["data"]["exportGraph"], edges="edges")
    expected = to_networkx(select(session_db, Selection.of("match", "sofia:munich")))
    assert set(graph.nodes) == set(expected.nodes)
    assert graph.number_of_edges() == expected.number_of_edges()
    too_big = seeded_app.post(
        "/graphql", json={"query": '{ exportGraph(selection: {around: "Lyon", hops: 11}) }'}
    ).json()
    assert too_big["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_closed_reads_need_a_key_and_the_cap_holds(app_for: Callable[..., TestClient]) -> None:
    closed_app = app_for(KG_API_READS_OPEN="false", KG_API_KEYS=f'["{ENTRY}"]', KG_EXPORT_MAX_NODES="40")
    params = {"city": "lyon"}
    assert closed_app.get("/export/graphml", params=params).status_code == 401
    wrong = {"Authorization": "Bearer not-a-key"}
    assert closed_app.get("/export/graphml", params=params, headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {KEY}"}
    assert closed_app.get("/export/graphml", params=params, headers=right).status_code == 200
    denied = closed_app.post("/graphql", json={"query": '{ exportGraph(selection: {city: "lyon"}) }'}).json()
    assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    whole = closed_app.get("/export/gexf", headers=right)
    assert whole.status_code == 400
    assert "the whole graph has" in whole.json()["errors"][0]["message"]
    assert "more than the export cap of 40" in whole.json()["errors"][0]["message"]
    body = io.BytesIO(closed_app.get("/export/graphml", params=params, headers=right).content)
    assert read_graphml(body).graph["selection"] == "city 'lyon'"

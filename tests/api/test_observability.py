"""One JSON log line per request (never the query or its variables) and Prometheus metrics at /metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.test_hostile_requests import app_without_neo4j

SECRET = "a-variable-value-that-must-never-be-logged"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "kg.access"]


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_each_request_is_one_json_line_with_its_cost_and_statements_and_no_variables(
    app_for: Callable[..., TestClient], statements: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    client = app_for()
    query = "query CityPage($q: String) { cities(first: 2, where: {name: {contains: $q}}) { totalCount } }"
    caplog.set_level("INFO", logger="kg.access")
    statements.clear()
    response = client.post(
        "/graphql", json={"query": query, "variables": {"q": SECRET}}, headers={"x-request-id": "trace-1"}
    )
    assert response.status_code == 200 and "errors" not in response.json()
    [line] = access_lines(caplog)
    assert line["request_id"] == "trace-1" == response.headers["x-request-id"]
    assert (line["method"], line["route"], line["status"], line["outcome"]) == ("POST", "/graphql", 200, "ok")
    assert line["operation"] == "CityPage" and line["cost"] > 0
    assert line["statements"] == len(statements) > 0
    assert line["duration_ms"] >= 0 and line["client"]
    assert SECRET not in caplog.text and "cities(" not in caplog.text


def test_refusals_and_errors_are_logged_by_limit_and_code(
    app_for: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = app_for(KG_API_MAX_COST="10")
    caplog.set_level("INFO", logger="kg.access")
    client.post("/graphql", json={"query": "{ cities(first: 50) { edges { node { name } } } }"})
    client.post("/graphql", json={"query": '{ node(id: "Nope:x") { __typename } }'})
    client.post("/graphql", content=b"x" * 200_000, headers={"content-type": "application/json"})
    cost, mistake, oversized = access_lines(caplog)
    assert cost["outcome"] == "refused:cost" and cost["statements"] == 0
    assert mistake["outcome"].startswith("error:BAD_USER_INPUT")
    assert (oversized["status"], oversized["outcome"]) == (413, "refused:body_size")


def test_metrics_count_requests_errors_refusals_and_neo4j(app_for: Callable[..., TestClient]) -> None:
    client = app_for(KG_API_MAX_COST="10")
    for _ in range(3):
        client.post("/graphql", json={"query": "{ kbVersion }"})
    client.post("/graphql", json={"query": "{ cities(first: 50) { edges { node { name } } } }"})
    found = samples(client)
    ok = ("kg_http_requests_total", (("method", "POST"), ("route", "/graphql"), ("status", "200")))
    assert found[ok] == 4  # a refusal is a GraphQL answer: HTTP 200 with the error
    assert found[("kg_refusals_total", (("limit", "cost"),))] == 1
    assert found[("kg_graphql_errors_total", (("code", "BAD_USER_INPUT"),))] == 1
    assert found[("kg_neo4j_up", ())] == 1
    assert found[("kg_http_request_duration_seconds_count", (("route", "/graphql"),))] == 4
    assert found[("kg_cypher_statements_total", ())] >= 3


def test_neo4j_away_shows_in_the_metrics_and_the_log(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    with app_without_neo4j(tmp_path) as client:
        caplog.set_level("INFO", logger="kg.access")
        response = client.post("/graphql", json={"query": "{ kbVersion }"})
        assert response.status_code == 503
        found = samples(client)
    assert found[("kg_neo4j_up", ())] == 0
    assert found[("kg_graphql_errors_total", (("code", "SERVICE_UNAVAILABLE"),))] == 1
    assert access_lines(caplog)[0]["outcome"] == "error:SERVICE_UNAVAILABLE"


def test_the_body_guards_answers_carry_the_security_headers_and_the_request_id(tmp_path: Any) -> None:
    with app_without_neo4j(tmp_path, KG_API_CORS_ORIGINS='["https://dash.example"]') as client:
        headers = {"content-type": "application/json", "origin": "https://dash.example"}
        for body in (b"x" * 200_000, b"null"):
            response = client.post("/graphql", content=body, headers=headers)
            assert response.status_code in (400, 413)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'none'" in response.headers["content-security-policy"]
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["access-control-allow-origin"] == "https://dash.example"
            assert response.json()["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]

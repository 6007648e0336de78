"""Closed reads are closed everywhere: every GraphQL root query field carries the read permission, and every
route of the app refuses a caller without a key or view token (walked from the schema and the app's routes, so
a new field or route without the permission fails here). No Neo4j is needed: refusals come first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.app import create_app
from api.graphql.permissions import CanRead
from api.graphql.schema import build_schema
from kg.core.settings import Settings

# Served to anyone, with the reason: nothing in them comes from the graph.
OPEN_ROUTES = {
    "/healthz": "liveness for load balancers; says only whether Neo4j answers",
    "/readyz": "readiness for load balancers; says only whether this worker can serve",
    "/metrics": "counters of requests, errors and refusals for Prometheus; no data from the graph",
    "/graphql": "the GraphiQL page (static) and GraphQL itself, whose fields carry the permission (checked below)",
    "/openapi.json": "the HTTP API's description (off in production, issue 14)",
    "/docs": "the same, as a page",
    "/docs/oauth2-redirect": "part of /docs",
    "/redoc": "the same, as a page",
}


def test_every_root_query_field_needs_the_read_permission() -> None:
    query = build_schema().get_type_by_name("Query")
    assert query is not None
    fields = query.fields  # type: ignore[union-attr]
    missing = [f.python_name for f in fields if not any(p is CanRead for p in f.permission_classes)]
    assert len(fields) > 20 and missing == []


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("closed")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        patch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # never reached: every refusal comes first
        patch.setenv("NEO4J_PASSWORD", "unused-password")
        patch.setenv("KG_MODEL_DIR", str(directory / "no-model"))
        patch.setenv("KG_API_READS_OPEN", "false")
        with TestClient(create_app(Settings())) as client:
            yield client


def _walk(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        context = getattr(route, "include_context", None)  # FastAPI >= 0.160 includes routers lazily
        if context is not None:
            yield from _walk(route.original_router.routes, prefix + context.prefix)
        elif isinstance(route, APIRoute | Route) and "GET" in (route.methods or set()):
            yield prefix + route.path


def _routes() -> list[str]:
    app = create_app(Settings(NEO4J_URI="bolt://127.0.0.1:1", NEO4J_PASSWORD="unused-password"))
    found = sorted(set(_walk(app.routes)))
    assert len(found) > 10, found
    return found


@pytest.mark.parametrize("path", _routes())
def test_every_route_refuses_a_caller_without_a_key(closed: TestClient, path: str) -> None:
    if path in OPEN_ROUTES:
        return
    concrete = re.sub(r"\{[^}]+\}", "graphml", path)
    response = closed.get(concrete)
    assert response.status_code == 401, (path, response.status_code, response.text[:200])


def test_graphql_refuses_reads_without_a_key(closed: TestClient) -> None:
    body = closed.post(
        "/graphql", json={"query": '{ search(text: "Lyon") { uid } aggregates { labels { key } } }'}
    ).json()
    assert body["data"] is None or all(value is None for value in body["data"].values())
    assert {e["extensions"]["code"] for e in body["errors"]} == {"UNAUTHENTICATED"}

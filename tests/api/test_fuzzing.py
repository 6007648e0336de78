"""Fuzzing: schemathesis generates queries and mutations from the GraphQL schema (JSON arguments included, by a
strategy for the JSON scalar) and sends them to the real API process over loopback with a curator's key;
hypothesis sends raw bytes as the HTTP body. No answer is a 5xx other than a deliberate 503, no error reaches a
client as an internal one (masked or not), and every request answers within its deadline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from api.graphql.schema import build_schema
from api.security import PUBLIC_CODES
from benchmarks.api_latency import running_api
from kg.core.apikeys import Role, new_key
from kg.core.connection import Neo4jConnection
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder

CURATOR_KEY, CURATOR_ENTRY = new_key("fuzzer", Role.CURATOR)
DELIBERATE = {503}  # the expensive gate's or the budget's refusals (429 is below 500)


def _json_nodes() -> st.SearchStrategy[graphql.ValueNode]:
    """GraphQL literal nodes of any JSON value (what the JSON scalar accepts)."""
    leaves = st.one_of(
        st.just(nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers(-(2**40), 2**40).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(nodes.Float),
        st.text(max_size=30).map(nodes.String),
    )

    def containers(children: st.SearchStrategy[graphql.ValueNode]) -> st.SearchStrategy[graphql.ValueNode]:
        field = st.tuples(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True), children).map(
            lambda pair: graphql.ObjectFieldNode(name=graphql.NameNode(value=pair[0]), value=pair[1])
        )
        return st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.lists(field, max_size=4, unique_by=lambda f: f.name.value).map(nodes.Object),
        )

    return st.recursive(leaves, containers, max_leaves=8)


schemathesis.graphql.scalar("JSON", _json_nodes())
schemathesis.graphql.scalar("Date", st.dates().map(str).map(nodes.String))


@pytest.fixture(scope="module")
def api_url(
    seeded_app: TestClient,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("fuzz") / "api.log"
    settings_env = {"KG_API_KEYS": json.dumps([CURATOR_ENTRY]), "KG_API_OPERATION_TIMEOUT": "20"}
    with running_api(neo4j_connection, embedder.model_directory, log, settings_env) as url:
        yield url


@pytest.fixture(scope="module")
def graphql_schema(api_url: str) -> Any:
    return schemathesis.graphql.from_url(f"{api_url}/graphql")


def _root_fields() -> list[str]:
    """Every operation schemathesis can generate, named as it names them (Query.cities, Mutation.createNode)."""
    root = build_schema(Settings())._schema
    assert root.query_type is not None and root.mutation_type is not None
    return [f"Query.{name}" for name in sorted(root.query_type.fields)] + [
        f"Mutation.{name}" for name in sorted(root.mutation_type.fields)
    ]


def assert_well_behaved(status: int, body: bytes, what: str) -> None:
    assert status < 500 or status in DELIBERATE, f"{what}: HTTP {status} {body[:300]!r}"
    try:
        answer = json.loads(body)
    except ValueError:
        pytest.fail(f"{what}: not JSON: {body[:200]!r}")
    for error in answer.get("errors") or [] if isinstance(answer, dict) else []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", f"{what}: an internal error: {error}"
        assert code is None or code in PUBLIC_CODES | {"BAD_REQUEST", "PAYLOAD_TOO_LARGE", "RATE_LIMITED"}, (
            error
        )
        message = error.get("message", "")
        assert not any(leak in message for leak in ("Traceback", "neo4j.exceptions", "Neo.ClientError")), (
            error
        )


# schemathesis' own pytest plugin (schema.parametrize) does not run under pytest 9.2 (it sets Item._nodeid), so
# each operation's strategy is drawn from directly.
@pytest.mark.parametrize("label", _root_fields())
def test_generated_queries_and_mutations_never_fail_as_the_servers_fault(
    graphql_schema: Any, label: str
) -> None:
    operation = graphql_schema.find_operation_by_label(label)
    assert operation is not None, label

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {CURATOR_KEY}"}, timeout=25)
        assert_well_behaved(response.status_code, response.content, f"{case.body}")

    run()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        st.binary(max_size=2_000),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
            lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
        st.builds(
            lambda query, variables: json.dumps({"query": query, "variables": variables}).encode(),
            st.text(max_size=200),
            st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=20), max_size=3),
        ),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/graphql", ""]),
)
def test_any_body_is_answered_without_a_servers_fault(api_url: str, body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.post(f"{api_url}/graphql", content=body, headers=headers, timeout=25, trust_env=False)
    assert response.status_code < 500 or response.status_code in DELIBERATE, response.text[:300]
    if response.headers.get("content-type", "").startswith("application/json"):
        assert_well_behaved(response.status_code, response.content, repr(body[:100]))


def test_the_api_log_has_no_traceback(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs after the fuzzers (same module): nothing they sent made the server log a crash."""
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("fuzz*/api.log"))
    assert logs
    text = logs[0].read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]

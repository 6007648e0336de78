"""Every GraphQL example in api/README.md runs unchanged against the seed knowledge base."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

DOCS = Path(__file__).resolve().parents[2] / "api" / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_docs_have_examples_for_each_user() -> None:
    names = [re.search(r"query (\w+)", example).group(1) for example in EXAMPLES]  # type: ignore[union-attr]
    assert len(EXAMPLES) >= 6
    assert {"FollowersAndDataChallenges", "MatchesForSofia", "Dashboard"} <= set(names)


@pytest.fixture(scope="module")
def client(seeded_app: TestClient) -> TestClient:
    return seeded_app


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

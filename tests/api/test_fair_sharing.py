"""Fair sharing (api/fairshare.py): expensive operations take turns on their own threads, each client spends a
cost budget; both refusals are fast, coded, carry Retry-After and send no Cypher."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import parse

from api.fairshare import CostBudgets, ExpensiveGate
from api.graphql.schema import build_schema
from api.security import operation_shapes
from benchmarks.load import HEAVY  # the most expensive query the limits accept: 20 aliases of barrierMatches
from kg.core.database import Database
from kg.core.settings import Settings

PAGE = "{ cities(first: 20) { edges { node { name projects { role node { name } } } } } }"
MATCH = '{ replicationMatches(follower: "sofia", first: 3) { matches { score } } }'


def cost_of(query: str) -> int:
    schema = build_schema(Settings())._schema
    [(_, shape)] = operation_shapes(parse(query), schema, max_depth=10)
    return shape.cost


def test_computed_fields_cost_their_work_so_the_heavy_query_is_expensive_and_reads_are_not() -> None:
    expensive = Settings().api_expensive_cost
    assert cost_of(HEAVY) >= 20 * 1_000 > expensive  # 20 aliases of barrierMatches, each 1,000 of work
    assert cost_of(PAGE) < expensive and cost_of(MATCH) < expensive
    assert cost_of(MATCH) > cost_of('{ node(id: "City:milan") { id } }')


def test_a_budget_refills_over_time_and_says_when_it_could_pay() -> None:
    budgets = CostBudgets(cost_per_minute=600)  # 10 per second
    assert budgets.spend("a", 500, now=0.0) == 0.0
    assert budgets.spend("a", 200, now=0.0) == pytest.approx(10.0)  # 100 left, 100 missing at 10/s
    assert budgets.spend("b", 600, now=0.0) == 0.0  # another client has its own bucket
    assert budgets.spend("a", 200, now=10.0) == 0.0  # refilled to 200
    assert budgets.spend("a", 10_000, now=100.0) == 0.0  # dearer than the budget: a full bucket pays it
    assert budgets.spend("a", 1, now=100.0) > 0


def test_the_clients_tracked_are_bounded() -> None:
    budgets = CostBudgets(cost_per_minute=60, max_clients=3)
    for client in "abcdef":
        budgets.spend(client, 1, now=0.0)
    assert list(budgets.buckets) == ["d", "e", "f"]


def test_a_gate_admits_its_slots_and_refuses_the_next_after_its_wait() -> None:
    async def scenario() -> list[bool]:
        gate = ExpensiveGate(slots=1, wait_s=0.05)
        answers = []
        async with gate.turn() as first:
            answers.append(first)
            async with gate.turn() as second:
                answers.append(second)
        async with gate.turn() as third:  # the slot is free again
            answers.append(third)
        gate.close()
        return answers

    assert asyncio.run(scenario()) == [True, False, True]


def test_a_client_over_its_budget_is_told_when_to_retry_and_sends_no_cypher(
    app_for: Callable[..., TestClient], statements: list[str]
) -> None:
    client = app_for(KG_API_COST_PER_MINUTE=str(cost_of(MATCH) + 5))
    assert "errors" not in client.post("/graphql", json={"query": MATCH}).json()
    statements.clear()
    refused = client.post("/graphql", json={"query": MATCH})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    [error] = refused.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "limit": "rate"}
    assert "cost budget" in error["message"] and statements == []


def test_an_expensive_operation_without_a_free_slot_is_refused_fast_with_no_cypher(
    app_for: Callable[..., TestClient], statements: list[str]
) -> None:
    client = app_for(KG_API_EXPENSIVE_COST="50", KG_API_EXPENSIVE_SLOTS="1", KG_API_EXPENSIVE_WAIT="0.1")
    gate = client.app.state.kg.fair_share.gate  # type: ignore[attr-defined]
    client.portal.call(gate.semaphore.acquire)  # type: ignore[union-attr]  # another operation holds the slot
    try:
        statements.clear()
        busy = client.post("/graphql", json={"query": MATCH})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert busy.json()["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "limit": "busy"}
        assert statements == []
        cheap = client.post(
            "/graphql", json={"query": "{ kbVersion }"}
        )  # below the threshold: no turn needed
        assert cheap.status_code == 200 and "errors" not in cheap.json()
    finally:
        client.portal.call(gate.semaphore.release)  # type: ignore[union-attr]
    assert "errors" not in client.post("/graphql", json={"query": MATCH}).json()


def test_expensive_work_runs_on_its_own_threads_so_the_others_stay_free(
    app_for: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app_for(KG_API_EXPENSIVE_COST=str(cost_of(MATCH)), KG_API_EXPENSIVE_SLOTS="2")
    threads: list[str] = []
    read_transaction = Database.read_transaction

    def recording(self: Database, work: Any) -> Any:
        threads.append(threading.current_thread().name)
        return read_transaction(self, work)

    monkeypatch.setattr(Database, "read_transaction", recording)
    fanned_out = "{ " + " ".join(f"m{i}: {MATCH[1:-1]}" for i in range(6)) + " }"
    assert "errors" not in client.post("/graphql", json={"query": fanned_out}).json()
    assert threads and all(name.startswith("kg-expensive") for name in threads), threads
    expensive = set(threads)
    assert len(expensive) <= 2  # six aliases, two threads
    threads.clear()
    cheap = "{ cities(first: 3) { edges { node { name } } } }"
    assert cost_of(cheap) < cost_of(MATCH)
    assert "errors" not in client.post("/graphql", json={"query": cheap}).json()
    assert threads and not any(name.startswith("kg-expensive") for name in threads)

"""How long each refusal takes: every hostile request the API refuses, timed end to end through the real app
(in-process ASGI, no Neo4j needed: a refusal sends no Cypher). Prints the median and the worst of ``--runs``
requests per case and the limit that refused it. Not a test: nothing here asserts a time (the tests count the
work instead, tests/unit/test_query_limits.py).

    .venv/bin/python -m benchmarks.refusals [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient

from api.app import create_app
from kg.core.settings import Settings

JSON = {"content-type": "application/json"}


def chain(length: int) -> str:
    """A chain of fragments, each spreading the previous one twice: 2^length expansions for a naive walker."""
    fragments = ["fragment F0 on City { uid name }"]
    fragments += [f"fragment F{i} on City {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, length + 1)]
    return f"query {{ cities(first: 1) {{ edges {{ node {{ ...F{length} }} }} }} }}\n" + "\n".join(fragments)


def nested(levels: int) -> str:
    """City -> its projects -> their cities ..., four levels deeper per step."""
    selection = "uid"
    for _ in range(levels):
        selection = f"projects {{ node {{ cities {{ node {{ {selection} }} }} }} }}"
    return selection


def graphql(query: str) -> Callable[[TestClient], object]:
    return lambda client: client.post("/graphql", json={"query": query})


def raw(body: bytes) -> Callable[[TestClient], object]:
    return lambda client: client.post("/graphql", content=body, headers=JSON)


CASES: dict[str, Callable[[TestClient], object]] = {
    "fragment chain of 16 (65,536 expansions)": graphql(chain(16).replace("first: 1", "first: 100")),
    "fragment chain of 40 (2^40 expansions)": graphql(chain(40)),
    "fragment spreading itself": graphql(
        "{ cities { edges { node { ...A } } } } fragment A on City { uid ...A }"
    ),
    "51 fragments": graphql(
        "{ cities { totalCount } } " + " ".join(f"fragment G{i} on City {{ uid }}" for i in range(51))
    ),
    "21 spreads in one selection": graphql(
        "{ cities(first: 1) { edges { node { "
        + " ".join(f"...S{i}" for i in range(21))
        + " } } } } "
        + " ".join(f"fragment S{i} on City {{ uid }}" for i in range(21))
    ),
    "first: -2147483648 nested": graphql(
        "{ cities(first: 1) { edges { node { projects(first: -2147483648) { node { uid } } } } } }"
    ),
    "cost over the limit": graphql(
        "{ cities(first: 100) { edges { node { projects(first: 100) { node { cities(first: 100) "
        "{ node { uid } } } } } } } }"
    ),
    "depth 34": graphql(f"{{ cities(first: 1) {{ edges {{ node {{ {nested(8)} }} }} }} }}"),
    "21 aliases": graphql("{ " + " ".join(f"a{i}: kbVersion" for i in range(21)) + " }"),
    "3,001 tokens": graphql("{ " + " ".join("kbVersion" for _ in range(3_001)) + " }"),
    "45,000 nested brackets": raw(b"[" * 45_000 + b"]" * 45_000),
    "5,000-digit integer": raw(b'{"query": "{ kbVersion }", "variables": {"a": ' + b"9" * 5000 + b"}}"),
    "body of 200 kB (declared)": raw(b"x" * 200_000),
    "chunked body of 200 kB": lambda client: client.post(
        "/graphql", content=(b"x" * 1_000 for _ in range(200)), headers=JSON
    ),
    "JSON null": raw(b"null"),
}


@dataclass
class Timing:
    case: str
    status: int
    refusal: str
    median_ms: float
    worst_ms: float


def measure(client: TestClient, runs: int) -> list[Timing]:
    timings = []
    for name, send in CASES.items():
        durations, response = [], None
        for _ in range(runs):
            start = time.perf_counter()
            response = send(client)
            durations.append((time.perf_counter() - start) * 1000)
        assert response is not None
        status = getattr(response, "status_code", 0)
        body = response.json() if hasattr(response, "json") else {}
        error = (body.get("errors") or [{}])[0] if isinstance(body, dict) else {}
        refusal = (error.get("extensions") or {}).get("limit") or error.get("message", "")[:48]
        timings.append(Timing(name, status, str(refusal), statistics.median(durations), max(durations)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="requests per case (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-refusals-") as home:
        os.environ |= {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "unused", "KG_HOME": home}
        with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
            timings = measure(client, args.runs)
    if args.json:
        print(json.dumps([t.__dict__ for t in timings], indent=2))
        return
    print(f"{'refused request':44} {'HTTP':>4}  {'median ms':>9}  {'worst ms':>8}  refused by")
    for t in timings:
        print(f"{t.case:44} {t.status:>4}  {t.median_ms:>9.2f}  {t.worst_ms:>8.2f}  {t.refusal}")


if __name__ == "__main__":
    main()

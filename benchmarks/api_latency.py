"""GraphQL API latency on the seed graph, over HTTP and against the same work done in-process.

Starts its own throwaway local Neo4j (a temporary folder, a free port), imports the seed, then runs the real app
(``uvicorn api.app:create_app --factory``, one worker, 127.0.0.1 and a free port) in a subprocess. Three
representative questions — an analyst's filtered nested connection, a planner's replication matches for Sofia
and a dashboard's shared challenges — are sent as a bounded number of POST /graphql requests at each concurrency
level; the same questions are then answered in-process (statement compiler, replication engine, no HTTP). Prints
p50/p95, requests/s and the API/direct ratio. Not a test: nothing here asserts a time.

    .venv/bin/python -m benchmarks.api_latency [--requests 200] [--concurrency 1 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import percentiles, throwaway_neo4j, timed
from importers.seed import import_seed
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.provisioning.tools import find_free_port
from kg.replication import ReplicationEngine, refresh_challenge_embeddings
from queries.graph_read import (
    FieldFilter,
    RelFilter,
    RelSelection,
    Selection,
    Sort,
    Where,
    count_statement,
    page_statement,
)
from queries.system import get_server_info

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: the API and the client never leave this machine
MAX_REQUESTS = 5_000
MAX_CONCURRENCY = 64
WARM_UP = 5  # per worker, before every measured batch: opens connections, warms plan and page caches
HEALTH_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 60.0
READ_TIMEOUT_S = 30.0  # the API's default KG_QUERY_TIMEOUT

# ------------------------------------------------------------------------------------------------ the questions

ANALYST = """
query Analyst {
  cities(
    where: {projects: {some: {node: {uid: {eq: "smarter-together"}}, edge: {role: {eq: follower}}}}}
    sort: [{field: NAME}]
    first: 20
  ) {
    totalCount
    edges {
      node {
        uid name country population
        projects { role node { uid name partners { node { shortName } } } }
      }
    }
  }
}
"""

PLANNER = """
query Planner {
  replicationMatches(follower: "sofia", first: 3) { follower { uid } matches { lighthouse { uid } score } }
}
"""

DASHBOARD = """
query Dashboard {
  sharedChallenges(first: 5) { uid name cities }
}
"""

# What api/graphql/graph.py builds from ANALYST's selection and arguments, written out by hand.
ANALYST_WHERE = Where(
    rels=(
        RelFilter(
            "projects",
            "some",
            edge=(FieldFilter("role", (("eq", "follower"),)),),
            node=Where(fields=(FieldFilter("uid", (("eq", "smarter-together"),)),)),
        ),
    )
)
ANALYST_SORT = [Sort("name")]
ANALYST_FIRST = 20
ANALYST_SELECTION = Selection(
    "City",
    scalars=["uid", "name", "country", "population"],
    rels={
        "projects": RelSelection(
            rel="projects",
            where=None,
            first=20,
            edge_scalars=["role"],
            node=Selection(
                "Project",
                scalars=["uid", "name"],
                rels={
                    "partners": RelSelection(
                        rel="partners",
                        where=None,
                        first=20,
                        edge_scalars=[],
                        node=Selection("Organisation", scalars=["shortName"]),
                    )
                },
            ),
        )
    },
)


@dataclass(frozen=True)
class Question:
    name: str
    query: str
    direct: Callable[[], Any]  # the same work in-process; returns what answer() reads
    answer: Callable[[dict[str, Any]], object]  # a comparable summary of the GraphQL data
    direct_answer: Callable[[Any], object]  # the same summary of the direct result


def questions(db: Database) -> list[Question]:
    engine = ReplicationEngine(db)

    def analyst_direct() -> tuple[list[dict[str, Any]], int]:
        page_query, page_params = page_statement(
            ANALYST_SELECTION, ANALYST_WHERE, ANALYST_SORT, ANALYST_FIRST, None
        )
        count_query, count_params = count_statement("City", ANALYST_WHERE)
        rows = db.read(page_query, **page_params)
        total = db.read(count_query, **count_params)
        return rows[:ANALYST_FIRST], int(total[0]["total"])

    def analyst_answer(data: dict[str, Any]) -> object:
        cities = data["cities"]
        return cities["totalCount"], [edge["node"]["uid"] for edge in cities["edges"]]

    def analyst_direct_answer(result: tuple[list[dict[str, Any]], int]) -> object:
        rows, total = result
        return total, [row["node"]["__uid"] for row in rows]

    return [
        Question(
            "analyst: cities where/sort, nested",
            ANALYST,
            analyst_direct,
            analyst_answer,
            analyst_direct_answer,
        ),
        Question(
            "planner: replicationMatches(sofia, 3)",
            PLANNER,
            lambda: engine.matches_for("sofia", 3),
            lambda data: [
                (m["lighthouse"]["uid"], m["score"]) for m in data["replicationMatches"]["matches"]
            ],
            lambda result: [(m.lighthouse.uid, m.score) for m in result.matches],
        ),
        Question(
            "dashboard: sharedChallenges(first: 5)",
            DASHBOARD,
            engine.shared_challenges,
            lambda data: [(row["uid"], sorted(row["cities"])) for row in data["sharedChallenges"]],
            lambda result: [(row.uid, sorted(row.cities)) for row in result[:5]],
        ),
    ]


# ------------------------------------------------------------------------------------------------ statistics


# ------------------------------------------------------------------------------------------------ HTTP load


@dataclass
class Batch:
    latencies_ms: list[float]
    wall_s: float
    errors: int
    first_error: str | None


def problem(response: httpx.Response) -> str | None:
    """Why a GraphQL response does not count as an answer, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if body.get("errors"):
        return json.dumps(body["errors"])[:300]
    if not body.get("data"):
        return "no data in the response"
    return None


async def batch(client: httpx.AsyncClient, query: str, requests: int, concurrency: int) -> Batch:
    """Send exactly ``requests`` POST /graphql, ``concurrency`` at a time (one worker per connection)."""
    tickets = iter(range(requests))  # shared by the workers; next() never awaits, so no ticket is taken twice
    latencies: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        for _ in tickets:
            start = time.perf_counter()
            response = await client.post("/graphql", json={"query": query})
            latencies.append((time.perf_counter() - start) * 1000)
            reason = problem(response)
            if reason is not None:
                errors.append(reason)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    return Batch(latencies, wall, len(errors), errors[0] if errors else None)


async def load(base_url: str, query: str, requests: int, concurrency: int) -> Batch:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False
    ) as client:
        warm = await batch(client, query, WARM_UP * concurrency, concurrency)
        measured = await batch(client, query, requests, concurrency)
    measured.errors += warm.errors
    measured.first_error = measured.first_error or warm.first_error
    return measured


def graphql_data(base_url: str, query: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        response = client.post("/graphql", json={"query": query})
    reason = problem(response)
    if reason is not None:
        raise RuntimeError(f"the API did not answer the query: {reason}")
    data: dict[str, Any] = response.json()["data"]
    return data


# ------------------------------------------------------------------------------------------------ the API process


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = "no answer"
    with httpx.Client(base_url=base_url, timeout=5.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"uvicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-2000:]}"
                )
            try:
                response = client.get("/healthz")
            except httpx.TransportError as error:
                last = type(error).__name__
            else:
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            time.sleep(0.2)
    raise RuntimeError(f"GET /healthz did not answer 200 within {HEALTH_TIMEOUT_S:.0f} s ({last})")


@contextmanager
def running_api(
    connection: Neo4jConnection, model_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """The real app under uvicorn (one worker, loopback, a free port), always terminated on exit; ``extra_env``
    adds settings (API keys, limits)."""
    with api_process(connection, model_dir, log_path, extra_env) as (base_url, _):
        yield base_url


@contextmanager
def api_process(
    connection: Neo4jConnection, model_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``running_api``, with the process (for its memory)."""
    port = find_free_port(HOST)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NEO4J_DATABASE", "KG_NEO4J_PROVISIONER", "KG_QUERY_TIMEOUT"}
    }
    env |= connection.environment() | {"KG_MODEL_DIR": str(model_dir)} | (extra_env or {})
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.app:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://{HOST}:{port}"
        wait_healthy(base_url, process, log_path)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------------------------------------ the run


def bench(
    connection: Neo4jConnection,
    db: Database,
    model_dir: Path,
    log_path: Path,
    requests: int,
    levels: list[int],
) -> int:
    """Per question: the direct calls, then HTTP at each level, back to back (so drift hits both alike)."""
    asked = questions(db)
    width = max(len(q.name) for q in asked)
    failures = 0
    direct_p50: dict[str, float] = {}
    api_p50: dict[str, float] = {}
    agree: dict[str, bool] = {}
    with running_api(connection, model_dir, log_path) as base_url:
        print(
            f"direct = in-process, sequential calls; HTTP = POST {base_url}/graphql (uvicorn, 1 worker) "
            f"from httpx.AsyncClient, one connection per concurrent client"
        )
        print(
            f"{requests} measured calls per row after {WARM_UP} warm-up calls (per connection); "
            "req/s = measured calls / wall time of the row"
        )
        print(
            f"  {'question':<{width}}  {'via':<6} {'conc':>4} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'errors':>6}"
        )
        for question in asked:
            direct_result = question.direct()
            api_data = graphql_data(base_url, question.query)
            agree[question.name] = question.answer(api_data) == question.direct_answer(direct_result)

            start = time.perf_counter()
            durations = timed(question.direct, requests, warm_up=WARM_UP)
            rate = requests / (
                time.perf_counter() - start
            )  # includes the warm-up calls: a slight underestimate
            p50, p95 = percentiles(durations)
            direct_p50[question.name] = p50
            print(
                f"  {question.name:<{width}}  {'direct':<6} {1:4d} {p50:8.1f} {p95:8.1f} {rate:8.1f} {'-':>6}"
            )

            for concurrency in levels:
                result = asyncio.run(load(base_url, question.query, requests, concurrency))
                p50, p95 = percentiles(result.latencies_ms)
                if concurrency == levels[0]:
                    api_p50[question.name] = p50
                print(
                    f"  {question.name:<{width}}  {'HTTP':<6} {concurrency:4d} {p50:8.1f} {p95:8.1f} "
                    f"{len(result.latencies_ms) / result.wall_s:8.1f} {result.errors:6d}"
                )
                if result.errors:
                    failures += result.errors
                    print(f"    first error: {result.first_error}")

    print(f"ratio HTTP p50 (concurrency {levels[0]}) / direct p50")
    for question in asked:
        ratio = api_p50[question.name] / direct_p50[question.name]
        print(f"  {question.name:<{width}}  {ratio:6.2f}x")
    print("same answer over HTTP and in-process")
    for name, same in agree.items():
        print(f"  {name:<{width}}  {'yes' if same else 'NO'}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=200, help=f"per question and concurrency (1-{MAX_REQUESTS})"
    )
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 16], help=f"levels (1-{MAX_CONCURRENCY})"
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if not all(1 <= c <= MAX_CONCURRENCY for c in args.concurrency):
        parser.error(f"--concurrency levels must be between 1 and {MAX_CONCURRENCY}")
    levels = sorted(set(args.concurrency))

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs shared by client, API and Neo4j; "
        f"load average {os.getloadavg()[0]:.2f} before the run"
    )
    with throwaway_neo4j() as env:
        report = import_seed(env.db)
        embedded = refresh_challenge_embeddings(env.db, env.embedder)
        print(
            f"Neo4j {get_server_info(env.db).version} (heap 1g, page cache 512m); seed graph: "
            f"{report.nodes_created.get('City', 0)} cities, {embedded} challenge embeddings refreshed"
        )
        failures = bench(
            env.connection, env.db, env.settings.model_dir, env.home / "uvicorn.log", args.requests, levels
        )
    print(f"load average {os.getloadavg()[0]:.2f} after the run")
    if failures:
        sys.exit(f"{failures} GraphQL responses had errors: the figures above are not comparable")


if __name__ == "__main__":
    main()

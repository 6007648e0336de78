"""A bounded load on loopback: normal readers, replication planners, heavy clients and a curator at once.

``clients`` asyncio clients (default 32) share one real API process for ``duration`` seconds, each with its own
reader key (budgets are per client): two send the most expensive query the limits accept (20 aliases of
``barrierMatches(first: 100)`` with 20 barriers each), one curator creates cities (every acknowledged write is
looked up in Neo4j afterwards), the rest cycle through point lookups, filtered pages, nested queries, replication
matches and search. Reported: requests and statuses per kind, p50/p95 of the normal reads, writes acknowledged
and lost. The verdict fails on any 5xx other than a deliberate 503/504, any normal read not answered, or a lost
write. The test suite runs it short (tests/api/test_load.py); ``make soak`` runs it for 10 minutes:

    .venv/bin/python -m benchmarks.load --duration 600 [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from kg.core.apikeys import Role, new_key
from kg.core.database import Database

HEAVY_BARRIERS = ", ".join(f'"no shared data platform across departments, case {i}"' for i in range(20))
HEAVY = (
    "{"
    + " ".join(
        f"a{i}: barrierMatches(barriers: [{HEAVY_BARRIERS}], first: 100) {{ matches {{ score }} }}"
        for i in range(20)
    )
    + "}"
)
READS = {
    "point": '{ node(id: "City:lyon") { ... on City { name population } } }',
    "page": '{ cities(first: 10, where: {country: {eq: "FR"}}) { totalCount edges { node { name } } } }',
    "nested": "{ projects(first: 5) { edges { node { name cities { role node { name } } } } } }",
    "matches": '{ replicationMatches(follower: "sofia", first: 3) { matches { lighthouse { name } score } } }',
    "search": '{ search(text: "mobility data", first: 5) { score } }',
}
CREATE = 'mutation ($uid: String!, $p: JSON!) { createNode(label: "City", uid: $uid, properties: $p) { id } }'
LOAD_CITY_PREFIX = "load-city-"
DELIBERATE = {429, 503, 504}  # refusals by design: budget, busy, deadline


@dataclass
class KindStats:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, status: int, latency_ms: float, problem: str | None) -> None:
        self.statuses[status] += 1
        self.latencies_ms.append(latency_ms)
        if problem and len(self.problems) < 5:
            self.problems.append(problem)


@dataclass
class LoadReport:
    duration_s: float
    clients: int
    kinds: dict[str, KindStats]
    acknowledged: list[str]
    lost: list[str]

    @property
    def requests(self) -> int:
        return sum(sum(k.statuses.values()) for k in self.kinds.values())

    def statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for kind in self.kinds.values():
            total.update(kind.statuses)
        return total

    def normal_read_latencies(self) -> list[float]:
        return [ms for name, kind in self.kinds.items() if name in READS for ms in kind.latencies_ms]

    def p50_p95_ms(self) -> tuple[float, float]:
        ordered = sorted(self.normal_read_latencies())
        if not ordered:
            return 0.0, 0.0
        return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def failures(self) -> list[str]:
        """Why the run fails the reliability bar (empty when it holds)."""
        found = []
        for name, kind in self.kinds.items():
            bad = {s: n for s, n in kind.statuses.items() if s >= 500 and s not in DELIBERATE}
            if bad:
                found.append(f"{name}: unexpected 5xx {bad}; e.g. {kind.problems[:1]}")
            if name in READS and set(kind.statuses) - {200}:
                found.append(
                    f"{name}: normal reads not answered {dict(kind.statuses)}; e.g. {kind.problems[:1]}"
                )
        if self.lost:
            found.append(f"{len(self.lost)} acknowledged writes are not in the database: {self.lost[:5]}")
        if not self.acknowledged:
            found.append("the curator's writes were never acknowledged")
        return found

    def summary(self) -> dict[str, Any]:
        p50, p95 = self.p50_p95_ms()
        return {
            "duration_s": round(self.duration_s, 1),
            "clients": self.clients,
            "requests": self.requests,
            "statuses": dict(sorted(self.statuses().items())),
            "by_kind": {name: dict(sorted(k.statuses.items())) for name, k in self.kinds.items()},
            "normal_reads_p50_ms": round(p50, 1),
            "normal_reads_p95_ms": round(p95, 1),
            "writes_acknowledged": len(self.acknowledged),
            "writes_lost": len(self.lost),
        }


def client_keys(clients: int) -> tuple[list[str], list[str], str]:
    """One reader key per client and a curator key: (keys, KG_API_KEYS entries, the curator's key)."""
    keys, entries = [], []
    for index in range(clients):
        key, entry = new_key(f"load-{index}", Role.CURATOR if index == 0 else Role.READER)
        keys.append(key)
        entries.append(entry)
    return keys, entries, keys[0]


def _problem(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    errors = response.json().get("errors")
    return json.dumps(errors)[:200] if errors else None


async def run_load(base_url: str, keys: list[str], duration_s: float, heavy_clients: int = 2) -> LoadReport:
    """Client 0 is the curator, clients 1..heavy_clients send the heavy query, the rest read."""
    kinds: dict[str, KindStats] = {name: KindStats() for name in [*READS, "heavy", "write"]}
    acknowledged: list[str] = []
    stop_at = time.monotonic() + duration_s
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so no request races the server's close.
    limits = httpx.Limits(
        max_connections=len(keys), max_keepalive_connections=len(keys), keepalive_expiry=3.0
    )

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0, trust_env=False) as http:

        async def send(kind: str, key: str, body: dict[str, Any]) -> httpx.Response:
            started = time.perf_counter()
            response = await http.post("/graphql", json=body, headers={"authorization": f"Bearer {key}"})
            kinds[kind].add(response.status_code, (time.perf_counter() - started) * 1000, _problem(response))
            return response

        async def curator(key: str) -> None:
            serial = 0
            while time.monotonic() < stop_at:
                uid = f"{LOAD_CITY_PREFIX}{serial}"
                serial += 1
                variables = {"uid": uid, "p": {"name": f"Load City {serial}", "country": "AT"}}
                response = await send("write", key, {"query": CREATE, "variables": variables})
                if response.status_code == 200 and not response.json().get("errors"):
                    acknowledged.append(uid)

        async def heavy(key: str) -> None:
            while time.monotonic() < stop_at:
                response = await send("heavy", key, {"query": HEAVY})
                if response.status_code in DELIBERATE:  # told to wait: a polite client waits
                    await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 5.0))

        async def reader(key: str, offset: int) -> None:
            names = list(READS)
            turn = offset
            while time.monotonic() < stop_at:
                name = names[turn % len(names)]
                turn += 1
                await send(name, key, {"query": READS[name]})

        roles: list[Awaitable[None]] = [curator(keys[0])]
        roles += [heavy(key) for key in keys[1 : 1 + heavy_clients]]
        roles += [reader(key, index) for index, key in enumerate(keys[1 + heavy_clients :])]
        started = time.monotonic()
        await asyncio.gather(*roles)
        elapsed = time.monotonic() - started
    return LoadReport(elapsed, len(keys), kinds, acknowledged, [])


def lost_writes(db: Database, acknowledged: list[str]) -> list[str]:
    rows = db.read("MATCH (c:City) WHERE c.uid IN $uids RETURN c.uid AS uid", uids=acknowledged)
    stored = {row["uid"] for row in rows}
    return [uid for uid in acknowledged if uid not in stored]


def remove_load_cities(db: Database) -> None:
    db.write("MATCH (c:City) WHERE c.uid STARTS WITH $prefix DETACH DELETE c", prefix=LOAD_CITY_PREFIX)


def measure(
    db: Database,
    start_api: Callable[[dict[str, str]], Any],
    duration_s: float,
    clients: int,
    heavy_clients: int = 2,
) -> LoadReport:
    """Keys, the API (``start_api(extra_env)`` is a context manager yielding its URL), the load, the audit."""
    keys, entries, _ = client_keys(clients)
    remove_load_cities(db)
    with start_api({"KG_API_KEYS": json.dumps(entries)}) as base_url:
        report = asyncio.run(run_load(base_url, keys, duration_s, heavy_clients))
    report.lost = lost_writes(db, report.acknowledged)
    remove_load_cities(db)
    return report


def main() -> None:
    from benchmarks.api_latency import running_api
    from benchmarks.common import throwaway_neo4j
    from importers.seed import import_seed
    from kg.replication import refresh_challenge_embeddings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load (default 600)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument(
        "--heavy-clients",
        type=int,
        default=2,
        help="of them, sending the heaviest query (default 2; 0: a baseline)",
    )
    args = parser.parse_args()
    with throwaway_neo4j() as env:
        print("importing the seed knowledge base into a throwaway Neo4j ...", flush=True)
        import_seed(env.db)
        refresh_challenge_embeddings(env.db, env.embedder)
        log = env.home / "uvicorn.log"
        print(f"{args.clients} clients for {args.duration:.0f} s on 127.0.0.1 ...", flush=True)
        report = measure(
            env.db,
            lambda extra: running_api(env.connection, env.settings.model_dir, log, extra),
            args.duration,
            args.clients,
            args.heavy_clients,
        )
    print(json.dumps(report.summary(), indent=2))
    failures = report.failures()
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

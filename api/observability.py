"""What an operator sees: one JSON log line per request and Prometheus metrics at /metrics.

The log line (logger ``kg.access``) carries the request id, method, route, status, duration, the GraphQL
operation's name and cost, how many Cypher statements it sent, its outcome (error codes and the limit that
refused it) and the client's address; never a query, its variables or parameters. Metrics live in the app's own
registry (several apps in one process, as in the tests, never share counters); each worker exposes its own, and
Prometheus sums across workers.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security import request_id_of
from kg.core.database import StatementCounter

access_log = logging.getLogger("kg.access")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The app's Prometheus metrics (``kg_`` prefix)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kg_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kg_http_request_duration_seconds",
            "Time to answer a request, by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            "kg_graphql_errors", "GraphQL errors answered, by code", ["code"], registry=self.registry
        )
        self.refusals = Counter(
            "kg_refusals",
            "Requests refused by a limit before their work ran (cost, depth, aliases, page, fragments, spreads, "
            "cycle, tokens, rate, busy, body_size, body_format, deadline)",
            ["limit"],
            registry=self.registry,
        )
        self.statements = Counter(
            "kg_cypher_statements", "Cypher statements sent to Neo4j by requests", registry=self.registry
        )
        self.in_flight = Gauge(
            "kg_http_requests_in_flight", "Requests being answered", registry=self.registry
        )
        self.neo4j_up = Gauge(
            "kg_neo4j_up", "1 when Neo4j answered this worker's last check, else 0", registry=self.registry
        )
        self.expensive_running = Gauge(
            "kg_expensive_operations_running",
            "Expensive GraphQL operations holding a slot (api.fairshare)",
            registry=self.registry,
        )


def _route_of(scope: Scope) -> str:
    """The matched route's template (``/views/city/{uid}``: bounded, never the client's own text). A route of an
    included router knows only its own part (strawberry's is ``""``), so it is named by its first segment."""
    path = str(scope.get("path", ""))
    if path.startswith("/static/"):
        return "/static"
    route = scope.get("route")
    if route is None:
        return "unmatched"
    template = str(getattr(route, "path", ""))
    return template if template.startswith("/") else "/" + path.split("/")[1]


class RequestObserver:
    """Outermost ASGI middleware: gives every request its id (on the response too), then logs and counts it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        state = scope["state"]
        state["statements"] = StatementCounter()
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observed)
        finally:
            self.metrics.in_flight.dec()
            self._record(scope, state, status, time.perf_counter() - started)

    def _record(self, scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        route = _route_of(scope)
        errors: list[dict[str, str]] = state.get("graphql_errors") or []
        limits = [e["limit"] for e in errors if "limit" in e] + ([state["limit"]] if "limit" in state else [])
        statements: StatementCounter = state["statements"]
        metrics = self.metrics
        metrics.requests.labels(scope.get("method", ""), route, str(status)).inc()
        metrics.latency.labels(route).observe(seconds)
        metrics.statements.inc(statements.count)
        for error in errors:
            metrics.graphql_errors.labels(error["code"]).inc()
        for limit in limits:
            metrics.refusals.labels(limit).inc()
        client = scope.get("client")
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": state["request_id"],
            "method": scope.get("method"),
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "operation": state.get("operation"),
            "cost": state.get("cost"),
            "statements": statements.count,
            "outcome": _outcome(status, errors, limits),
            "client": client[0] if client else None,
        }
        access_log.info(json.dumps(line, separators=(",", ":")))


def _outcome(status: int, errors: list[dict[str, str]], limits: list[str]) -> str:
    if limits:
        return "refused:" + ",".join(sorted(set(limits)))
    if errors:
        return "error:" + ",".join(sorted({e["code"] for e in errors}))
    return "ok" if status < 400 else f"http_{status}"

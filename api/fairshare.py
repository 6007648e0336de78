"""Fair sharing inside one API worker: expensive operations take turns, and each client spends a cost budget.

An operation's cost is the one the limits rule computes (``api.security.operation_shapes``: rows it may read,
plus the engine's work for replication, search and export fields). Two rules, both checked in constant time
before any Cypher is sent:

- **Expensive operations take turns.** At most ``slots`` operations costing ``expensive_cost`` or more run at
  once in a worker, and their database work runs on their own ``slots`` threads, so however many aliases they
  fan out to, the threads every other request uses stay free. One that finds no slot within ``wait_s`` is
  refused with ``SERVICE_UNAVAILABLE`` (HTTP 503, ``Retry-After``).
- **Each client spends a budget** of ``cost_per_minute`` (a token bucket refilled continuously; the key's name
  when the request has one, else the client address). An operation the bucket cannot pay is refused with
  ``RATE_LIMITED`` (HTTP 429, ``Retry-After`` = when it could).

Both are per worker by design: with several workers or hosts, the gateway in front of them limits across them
(kg keeps no shared state; see api/README.md).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from api.security import LimitExceededError, operation_shapes

MAX_TRACKED_CLIENTS = 10_000  # past it the least recently seen client's bucket is dropped (it starts full)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class CostBudgets:
    """A token bucket of cost per client: ``capacity`` spent at once at most, refilled at capacity per minute."""

    def __init__(self, cost_per_minute: int, max_clients: int = MAX_TRACKED_CLIENTS) -> None:
        self.capacity = float(cost_per_minute)
        self.rate = cost_per_minute / 60.0
        self.max_clients = max_clients
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def spend(self, client: str, cost: int, now: float | None = None) -> float:
        """0.0 when ``client`` can pay ``cost`` now (and it is paid), else the seconds until it could. An
        operation dearer than the whole budget is paid by a full bucket (the limits rule bounds it anyway)."""
        now = time.monotonic() if now is None else now
        bucket = self.buckets.pop(client, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self.buckets[client] = bucket
        if len(self.buckets) > self.max_clients:
            self.buckets.popitem(last=False)
        price = min(float(cost), self.capacity)
        if bucket.tokens >= price:
            bucket.tokens -= price
            return 0.0
        return (price - bucket.tokens) / self.rate


class ExpensiveGate:
    """``slots`` turns for expensive operations, and the threads their database work runs on."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self.semaphore = asyncio.Semaphore(slots)
        self.executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="kg-expensive")
        self.running = 0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        """Yields True once a slot is held (released on exit), False when none freed within ``wait_s``."""
        try:
            await asyncio.wait_for(self.semaphore.acquire(), self.wait_s)
        except TimeoutError:
            yield False
            return
        self.running += 1
        try:
            yield True
        finally:
            self.running -= 1
            self.semaphore.release()

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class FairShare:
    """One worker's sharing rules (built in the app's lifespan, so its semaphore lives on the serving loop)."""

    gate: ExpensiveGate
    budgets: CostBudgets
    expensive_cost: int
    max_depth: int


def client_of(context: Any) -> str:
    """Whose budget a request spends: its key's name, else its address (behind a proxy, run uvicorn with
    ``--proxy-headers`` so this is the client's and not the proxy's)."""
    principal = getattr(context, "principal", None)
    if principal is not None:
        return f"key:{principal.name}"
    request = getattr(context, "request", None)
    client = getattr(request, "client", None)
    return f"ip:{client.host}" if client is not None else "ip:unknown"


def _selected(
    shapes: list[tuple[OperationDefinitionNode, Any]], name: str | None
) -> tuple[OperationDefinitionNode, Any] | None:
    for operation, shape in shapes:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation, shape
    return None


class ShareFairly(SchemaExtension):
    """Admits each validated operation by its cost (see the module docstring) and records, for the request's
    log line and /metrics, its operation name, cost and the codes of the errors it answered."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or self.execution_context.pre_execution_errors or [])
        state = _request_state(self.execution_context.context)
        if state is not None:
            state.graphql_errors = [_code_and_limit(error) for error in errors]

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        share: FairShare | None = getattr(context, "fair_share", None)
        document = self.execution_context.graphql_document
        if share is None or document is None:
            yield
            return
        cost = self._cost(share)
        state = _request_state(context)
        if state is not None:
            state.operation = (self.execution_context.operation_name or "")[:64] or None
            state.cost = cost
        wait = share.budgets.spend(client_of(context), cost)
        if wait > 0:
            self._refuse(
                f"this client's cost budget is spent (this operation costs {cost}); retry in {math.ceil(wait)} s",
                "RATE_LIMITED",
                "rate",
                429,
                math.ceil(wait),
            )
            yield
            return
        if cost < share.expensive_cost:
            yield
            return
        async with share.gate.turn() as admitted:
            if not admitted:
                self._refuse(
                    f"{share.gate.slots} expensive operations are already running here; retry shortly",
                    "SERVICE_UNAVAILABLE",
                    "busy",
                    503,
                    max(1, math.ceil(share.gate.wait_s)),
                )
            else:
                context.executor = share.gate.executor  # its aliases queue on the expensive threads only
            yield

    def _cost(self, share: FairShare) -> int:
        document = self.execution_context.graphql_document
        assert document is not None
        try:
            shapes = operation_shapes(document, self.execution_context.schema._schema, share.max_depth)
        except LimitExceededError:  # validation refused it already; unreachable for an executed operation
            return 0
        selected = _selected(shapes, self.execution_context.operation_name)
        return selected[1].cost if selected else 0

    def _refuse(self, message: str, code: str, limit: str, status: int, retry_after_s: int) -> None:
        error = GraphQLError(message, extensions={"code": code, "limit": limit})
        self.execution_context.result = ExecutionResult(data=None, errors=[error])
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = status
            response.headers["Retry-After"] = str(retry_after_s)


TOKEN_LIMIT = "tokens. Parsing aborted"  # graphql-core's message when MaxTokensLimiter stops the parser


def _code_and_limit(error: GraphQLError) -> dict[str, str]:
    """What the log and /metrics keep of an error: its code and the limit that refused it, never its message."""
    extensions = error.extensions or {}
    found = {"code": str(extensions.get("code") or "INTERNAL_SERVER_ERROR")}
    if error.original_error is None and extensions.get("code") is None:
        found["code"] = "GRAPHQL_VALIDATION_FAILED"  # syntax and validation errors carry no code of their own
    if "limit" in extensions:
        found["limit"] = str(extensions["limit"])
    elif TOKEN_LIMIT in error.message:
        found["limit"] = "tokens"
    return found


def _request_state(context: Any) -> Any:
    request = getattr(context, "request", None)
    return getattr(request, "state", None)

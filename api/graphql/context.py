"""The per-request GraphQL context and the two ways resolvers reach Neo4j: ``read`` and ``write``.

Every call runs the blocking driver work in a worker thread (never on the event loop) through the process's
one ``Database`` handle; kg's own errors become GraphQL errors with the code of their category
(``kg.core.errors.ERROR_TABLE``), so "Neo4j is away" reads ``SERVICE_UNAVAILABLE``, not a bug.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from graphql import GraphQLError
from neo4j import ManagedTransaction
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from api.fairshare import FairShare
from api.security import DeadlinePassedError, request_database
from kg.core.apikeys import Principal
from kg.core.database import Database
from kg.core.errors import ERROR_TABLE, KGError, Neo4jUnavailableError, UnavailableError, category_of
from kg.embeddings import SentenceEmbedder
from kg.export import DEFAULT_MAX_NODES
from kg.replication import ReplicationEngine
from queries.writes import BUMP_KB_VERSION

T = TypeVar("T")


@dataclass
class Context(BaseContext):
    """Per request: the process's database handle (stateless, shared) and who is asking."""

    db: Database | None
    embedder: SentenceEmbedder | None = None
    principal: Principal | None = None
    invalid_key: bool = False
    reads_open: bool = True
    export_max_nodes: int = DEFAULT_MAX_NODES
    fair_share: FairShare | None = None
    executor: Executor | None = None  # the expensive operations' threads once admitted (api.fairshare)

    def __post_init__(self) -> None:
        super().__init__()


RETRY_AFTER_S = 5  # what a client is told to wait when Neo4j is away


def graphql_error(error: KGError) -> GraphQLError:
    """A kg error as the GraphQL error its category maps to."""
    code = ERROR_TABLE[category_of(error)].graphql_code
    return GraphQLError(str(error), extensions={"code": code}, original_error=error)


def _say_unavailable(info: Info[Context, Any]) -> None:
    """Neo4j is away: the HTTP answer becomes 503 with Retry-After, so a client can tell "retry" from a bug."""
    response = getattr(info.context, "response", None)
    if response is not None:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)


def database(info: Info[Context, Any]) -> Database:
    db = info.context.db
    if db is None:
        _say_unavailable(info)
        raise graphql_error(Neo4jUnavailableError("Neo4j is not available"))
    return db


async def call(info: Info[Context, Any], work: Callable[[Database], T]) -> T:
    """Run blocking work on the request's database handle in a worker thread (the expensive operations' own
    threads once admitted); kg errors become coded errors."""
    try:
        db = request_database(database(info), getattr(info.context, "request", None))
    except DeadlinePassedError as error:
        response = getattr(info.context, "response", None)
        if response is not None:
            response.status_code = 504
        raise GraphQLError("operation timed out", extensions={"code": "TIMEOUT"}) from error
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(info.context.executor, contextvars.copy_context().run, work, db)
    except KGError as error:
        if isinstance(error, UnavailableError):
            _say_unavailable(info)
        raise graphql_error(error) from error


async def read(
    info: Info[Context, Any], statement: tuple[LiteralString, dict[str, Any]]
) -> list[dict[str, Any]]:
    query, params = statement
    return await call(info, lambda db: db.read(query, **params))


async def write(info: Info[Context, Any], query: LiteralString, **params: Any) -> list[dict[str, Any]]:
    """A curator's change and the knowledge-base version bump, in one write transaction: every write changes
    ``kb_version``, so nothing computed before it is mistaken for current."""

    def change(tx: ManagedTransaction) -> list[dict[str, Any]]:
        rows = [record.data() for record in tx.run(query, params)]
        if rows and any(value not in (0, None) for value in rows[0].values()):  # something changed
            tx.run(BUMP_KB_VERSION).consume()
        return rows

    return await call(info, lambda db: db.write_transaction(change))


async def with_engine(info: Info[Context, Any], work: Callable[[ReplicationEngine], T]) -> T:
    """Run replication-engine work; the engine is built per request over the shared handle (cheap)."""
    embedder = info.context.embedder
    return await call(info, lambda db: work(ReplicationEngine(db, embedder)))

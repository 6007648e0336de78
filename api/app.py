"""FastAPI application factory. Stateless: any number of workers can serve behind a load balancer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from neo4j import Driver
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from strawberry.fastapi import GraphQLRouter

import kg
from api.graphql.schema import Context, build_schema
from api.security import BodySizeLimit, request_id_and_timeout
from kg.apikeys import authenticate, parse_entries
from kg.db import open_driver
from kg.embeddings import SentenceEmbedder, model_is_installed
from kg.errors import KGError
from kg.replication import EngineConfig, ReplicationEngine
from kg.server import current_connection
from kg.settings import Environment, Settings
from queries.replication import READ_KB_VERSION
from queries.system import get_server_info
from schema import SCHEMA_VERSION, read_schema_version

log = logging.getLogger(__name__)


class AppState:
    """Per-process resources, created in the lifespan and reached through dependencies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.driver: Driver | None = None
        self.database: str | None = None
        self.connection_error: str | None = None
        self.embedder: SentenceEmbedder | None = None

    def open(self) -> None:
        try:
            connection = current_connection(self.settings)
        except KGError as error:
            self.connection_error = str(error)
            log.warning("no Neo4j connection configured: %s", error)
            return
        self.database = connection.database
        self.driver = open_driver(connection, connection_timeout=3.0, max_transaction_retry_time=2.0)
        if model_is_installed(self.settings.model_dir):
            self.embedder = SentenceEmbedder.load(self.settings.model_dir)
        else:
            log.warning(
                "no embedding model in %s: free-text barrier matching is off", self.settings.model_dir
            )

    def engine(self) -> ReplicationEngine | None:
        if self.driver is None:
            return None
        config = EngineConfig(timeout_s=self.settings.query_timeout_s)
        return ReplicationEngine(self.driver, self.database, self.embedder, config)

    def close(self) -> None:
        if self.driver is not None:
            self.driver.close()


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.kg
    return state


State = Annotated[AppState, Depends(get_state)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``uvicorn --factory api.app:create_app`` or ``kg serve`` runs it."""
    state = AppState(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.open()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="kg", version=kg.__version__, lifespan=lifespan)
    app.state.kg = state

    keys = parse_entries(state.settings.api_keys)

    async def graphql_context(request: Request) -> Context:
        principal, invalid = None, False
        header = request.headers.get("authorization")
        if header:
            scheme, _, key = header.partition(" ")
            principal = authenticate(keys, key.strip()) if scheme.lower() == "bearer" else None
            invalid = principal is None
        return Context(
            engine=state.engine(),
            principal=principal,
            invalid_key=invalid,
            reads_open=state.settings.api_reads_open,
        )

    graphql = GraphQLRouter(
        build_schema(state.settings),
        context_getter=graphql_context,
        graphql_ide="graphiql" if state.settings.env is Environment.DEVELOPMENT else None,
    )
    app.include_router(graphql, prefix="/graphql")
    app.middleware("http")(request_id_and_timeout(state.settings.api_operation_timeout_s))
    if state.settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=state.settings.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    # Outermost: an oversized body is refused before anything reads it.
    app.add_middleware(BodySizeLimit, max_bytes=state.settings.api_max_body_bytes)

    @app.get("/healthz", summary="Neo4j reachability and schema version")
    def healthz(state: State) -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "neo4j": "up", "kg_version": kg.__version__}
        if state.driver is None:
            body |= {"status": "error", "neo4j": "down", "reason": state.connection_error}
            return JSONResponse(body, status_code=503)
        try:
            info = get_server_info(state.driver, timeout_s=3.0, database=state.database)
            applied = read_schema_version(state.driver, state.database)
            kb = state.driver.execute_query(READ_KB_VERSION, database_=state.database).records
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as error:
            log.warning("health check failed: %s", type(error).__name__)
            body |= {"status": "error", "neo4j": "down", "reason": "Neo4j does not answer"}
            return JSONResponse(body, status_code=503)
        body |= {
            "neo4j_version": info.version,
            "neo4j_edition": info.edition,
            "schema_version": applied,
            "schema_current": applied == SCHEMA_VERSION,
            "kb_version": kb[0]["version"] if kb else None,
        }
        return JSONResponse(body)

    return app

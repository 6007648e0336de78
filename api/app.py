"""FastAPI application factory. Stateless: any number of workers can serve behind a load balancer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from neo4j.exceptions import Neo4jError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import kg
from api.downloads import Caller, export_router
from api.fairshare import CostBudgets, ExpensiveGate, FairShare
from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.observability import Metrics, RequestObserver
from api.security import BodySizeLimit, RequestDeadline, SecurityHeaders, short_message
from api.views import KGGraphQLRouter, views_router
from kg.core.apikeys import authenticate, parse_entries
from kg.core.database import Database
from kg.core.errors import KGError
from kg.core.settings import Environment, Settings
from kg.embeddings import SentenceEmbedder, model_is_installed
from kg.provisioning import current_connection
from kg.views.assets import STATIC
from queries.system import get_server_info, read_kb_version
from schema import SCHEMA_VERSION, read_schema_version

HEALTH_TIMEOUT_S = 3.0

log = logging.getLogger(__name__)


class AppState:
    """Per-process resources, created in the lifespan and reached through dependencies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db: Database | None = None
        self.connection_error: str | None = None
        self.embedder: SentenceEmbedder | None = None
        self.metrics = Metrics()
        self.fair_share: FairShare | None = None

    def open(self) -> None:
        settings = self.settings
        self.fair_share = FairShare(  # here, so its semaphore belongs to the serving event loop
            gate=ExpensiveGate(settings.api_expensive_slots, settings.api_expensive_wait_s),
            budgets=CostBudgets(settings.api_cost_per_minute),
            expensive_cost=settings.api_expensive_cost,
            max_depth=settings.api_max_depth,
        )
        try:
            connection = current_connection(self.settings)
        except KGError as error:
            self.connection_error = str(error)
            log.warning("no Neo4j connection configured: %s", error)
            return
        self.db = Database.open(
            connection,
            timeout_s=self.settings.query_timeout_s,
            connection_timeout=3.0,
            max_transaction_retry_time=2.0,
        )
        if model_is_installed(self.settings.model_dir):
            self.embedder = SentenceEmbedder.load(self.settings.model_dir)
        else:
            log.warning(
                "no embedding model in %s: free-text barrier matching is off", self.settings.model_dir
            )

    def close(self) -> None:
        if self.fair_share is not None:
            self.fair_share.gate.close()
        if self.db is not None:
            self.db.close()

    def neo4j_answers(self) -> bool:
        """One short round trip; the answer also sets the ``kg_neo4j_up`` gauge."""
        up = False
        if self.db is not None:
            try:
                read_schema_version(self.db.with_timeout(HEALTH_TIMEOUT_S))
                up = True
            except (KGError, Neo4jError, OSError):
                up = False
        self.metrics.neo4j_up.set(int(up))
        return up


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

    production = state.settings.env is Environment.PRODUCTION
    # /docs, /redoc and /openapi.json describe the API to anyone: development only.
    documented: dict[str, Any] = (
        {"docs_url": None, "redoc_url": None, "openapi_url": None} if production else {}
    )
    app = FastAPI(title="kg", version=kg.__version__, lifespan=lifespan, **documented)
    app.state.kg = state

    keys = parse_entries(state.settings.api_keys)

    def caller(request: Request) -> Caller:
        header = request.headers.get("authorization")
        if not header:
            return None, False
        scheme, _, key = header.partition(" ")
        principal = authenticate(keys, key.strip()) if scheme.lower() == "bearer" else None
        return principal, principal is None

    async def graphql_context(request: Request) -> Context:
        principal, invalid = caller(request)
        return Context(
            db=state.db,
            embedder=state.embedder,
            principal=principal,
            invalid_key=invalid,
            reads_open=state.settings.api_reads_open,
            export_max_nodes=state.settings.export_max_nodes,
            fair_share=state.fair_share,
        )

    graphql = KGGraphQLRouter(
        build_schema(state.settings),
        context_getter=graphql_context,
        graphql_ide="graphiql" if state.settings.env is Environment.DEVELOPMENT else None,
    )
    app.include_router(graphql, prefix="/graphql")
    app.include_router(export_router(state, caller))
    app.include_router(views_router(state, caller))
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    # Last added is outermost: the observer sees (and logs) everything, the body guard's 400/413 included, which
    # also carry the security and CORS headers; an oversized body is refused before the app reads it.
    app.add_middleware(RequestDeadline, timeout_s=state.settings.api_operation_timeout_s)
    app.add_middleware(BodySizeLimit, max_bytes=state.settings.api_max_body_bytes)
    if state.settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=state.settings.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(SecurityHeaders, frame_ancestors=state.settings.view_frame_ancestors)
    app.add_middleware(RequestObserver, metrics=state.metrics)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        """FastAPI's 422 without the offending input (it would be repeated whole): where and why only."""
        detail = [
            {
                "loc": [str(part)[:64] for part in problem.get("loc", ())],
                "msg": short_message(str(problem.get("msg", ""))),
                "type": problem.get("type"),
            }
            for problem in error.errors()[:20]
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.get("/healthz", summary="Neo4j reachability and schema version")
    def healthz(state: State) -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "neo4j": "up", "kg_version": kg.__version__}
        if state.db is None:
            body |= {"status": "error", "neo4j": "down", "reason": state.connection_error}
            return JSONResponse(body, status_code=503)
        db = state.db.with_timeout(HEALTH_TIMEOUT_S)
        try:
            info = get_server_info(db)
            applied = read_schema_version(db)
            kb = read_kb_version(db)
        except (KGError, Neo4jError, OSError) as error:
            log.warning("health check failed: %s", type(error).__name__)
            state.metrics.neo4j_up.set(0)
            body |= {"status": "error", "neo4j": "down", "reason": "Neo4j does not answer"}
            return JSONResponse(body, status_code=503)
        state.metrics.neo4j_up.set(1)
        body |= {
            "neo4j_version": info.version,
            "neo4j_edition": info.edition,
            "schema_version": applied,
            "schema_current": applied == SCHEMA_VERSION,
            "kb_version": kb,
        }
        return JSONResponse(body)

    @app.get("/readyz", summary="Whether this worker can serve now: Neo4j answers and its schema is current")
    def readyz(state: State) -> JSONResponse:
        if state.db is None:
            return JSONResponse({"ready": False, "reason": state.connection_error}, status_code=503)
        try:
            applied = read_schema_version(state.db.with_timeout(HEALTH_TIMEOUT_S))
        except (KGError, Neo4jError, OSError):
            state.metrics.neo4j_up.set(0)
            return JSONResponse({"ready": False, "reason": "Neo4j does not answer"}, status_code=503)
        state.metrics.neo4j_up.set(1)
        if applied != SCHEMA_VERSION:
            reason = f"schema version {applied}, this kg needs {SCHEMA_VERSION}: run `kg db migrate`"
            return JSONResponse({"ready": False, "reason": reason}, status_code=503)
        return JSONResponse({"ready": True})

    @app.get(
        "/metrics", summary="Prometheus metrics of this worker (requests, errors, latency, refusals, Neo4j)"
    )
    def metrics(state: State) -> Response:
        state.neo4j_answers()
        gate = state.fair_share.gate if state.fair_share else None
        state.metrics.expensive_running.set(gate.running if gate else 0)
        return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app

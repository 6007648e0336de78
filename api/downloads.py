"""``GET /export/{format}``: a subgraph as a file download, streamed (kg/export), for every selection but Cypher.

Behind the GraphQL read permission: open when ``KG_API_READS_OPEN`` is true, else a valid key; a wrong key is
refused either way. Errors answer in GraphQL's error shape with the HTTP status of their category.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Annotated, Protocol

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.security import request_database
from kg.core.apikeys import Principal
from kg.core.database import Database
from kg.core.errors import ERROR_TABLE, KGError, Neo4jUnavailableError, category_of
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder
from kg.export import (
    CONTENT_TYPES,
    FORMATS,
    SUFFIXES,
    Format,
    Selection,
    SelectionRequest,
    iter_format,
    select,
    to_networkx,
)
from kg.replication import ReplicationEngine

Caller = tuple[Principal | None, bool]  # (who, whether a key was sent that matched nobody)
READ_REFUSED = "an API key is needed to read: send 'Authorization: Bearer <key>'"


class ServingState(Protocol):
    settings: Settings
    db: Database | None
    embedder: SentenceEmbedder | None


def _error(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def kg_error_response(error: KGError) -> JSONResponse:
    """A kg error in GraphQL's error shape, with the HTTP status of its category."""
    spec = ERROR_TABLE[category_of(error)]
    return _error(str(error), spec.graphql_code, spec.http_status)


def download_name(selection: Selection, file_format: Format) -> str:
    target = re.sub(r"[^A-Za-z0-9_-]+", "-", selection.target or "").strip("-")[:60]
    return f"kg-{selection.kind.value}{'-' + target if target else ''}{SUFFIXES[file_format]}"


def export_router(state: ServingState, caller: Callable[[Request], Caller]) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/export/{file_format}",
        summary="A subgraph as GraphML, GEXF, node-link JSON or kg-json",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPES[f]: {} for f in FORMATS}}},
    )
    async def export_file(
        request: Request, file_format: str, options: Annotated[SelectionRequest, Query()]
    ) -> Response:
        """The whole graph, or one selection (see kg/export/selection.py for each one's reach), e.g.
        ``/export/graphml?project=smarter-together`` or ``/export/gexf?around=Lyon&hops=2&labels=City``."""
        principal, invalid = caller(request)
        if invalid or not (state.settings.api_reads_open or principal is not None):
            return _error(READ_REFUSED, "UNAUTHENTICATED", 401)
        if options.cypher is not None:
            message = (
                "a Cypher selection is for the CLI and Python only (kg export --cypher), never over HTTP"
            )
            return _error(message, "BAD_USER_INPUT", 400)
        chosen = next((name for name in FORMATS if name == file_format), None)
        if chosen is None:
            return _error(
                f"unknown format {file_format[:40]!r}: use one of {', '.join(FORMATS)}", "NOT_FOUND", 404
            )
        db, embedder = state.db, state.embedder
        try:
            selection = options.selection()
            if db is None:
                raise Neo4jUnavailableError("Neo4j is not available")
            db = request_database(db, request)
            engine = ReplicationEngine(db, embedder)
            subgraph = await asyncio.to_thread(select, db, selection, state.settings.export_max_nodes, engine)
        except KGError as error:
            return kg_error_response(error)
        graph = to_networkx(subgraph)
        return StreamingResponse(
            iter_format(graph, chosen),
            media_type=CONTENT_TYPES[chosen],
            headers={"Content-Disposition": f'attachment; filename="{download_name(selection, chosen)}"'},
        )

    return router

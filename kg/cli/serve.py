"""`kg serve`: the HTTP API (GraphQL, health) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from kg.cli.common import friendly_errors, load_settings


@friendly_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default KG_API_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KG_API_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; the API is stateless.")] = 1,
) -> None:
    """Serve the HTTP API (POST /graphql, GET /healthz) with uvicorn; several workers share nothing."""
    settings = load_settings()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
    )

"""`kg serve`: the HTTP API (GraphQL, health) with uvicorn."""

from __future__ import annotations

import copy
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from kg.cli.common import friendly_errors, load_settings


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with its access log replaced by kg's: one JSON line per request on stdout
    (``api/observability.py``), ready for a log shipper."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["kg_json"] = {"format": "%(message)s"}
    config["handlers"]["kg_access"] = {
        "class": "logging.StreamHandler",
        "formatter": "kg_json",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["kg.access"] = {"handlers": ["kg_access"], "level": "INFO", "propagate": False}
    config["loggers"]["kg.api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


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
        log_config=log_config(),
        access_log=False,
    )

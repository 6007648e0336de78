"""What every kg command shares: consoles, settings and the one error handler."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from kg.errors import KGError
from kg.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console(stderr=True)
out = Console()


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print kg's own and the driver's errors as one clear message and exit 1 (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (KGError, ValidationError) as error:
            console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        except AuthError as error:
            console.print(
                f"[bold red]error:[/] Neo4j rejected the credentials: {escape(str(error.message))}",
                soft_wrap=True,
            )
        except ServiceUnavailable as error:
            console.print(
                f"[bold red]error:[/] Neo4j is not reachable: {escape(str(error))}. Try `kg db start`.",
                soft_wrap=True,
            )
        except Neo4jError as error:
            console.print(
                f"[bold red]error:[/] Neo4j said {error.code}: {escape(str(error.message))}", soft_wrap=True
            )
        raise typer.Exit(1)

    return wrapper


def load_settings() -> Settings:
    return Settings()

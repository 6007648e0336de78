"""What every kg command shares: consoles, settings, the database handle and the one error handler."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from kg.core.database import Database
from kg.core.errors import ERROR_TABLE, ErrorCategory, KGError, category_of
from kg.core.settings import Settings
from kg.provisioning import current_connection

P = ParamSpec("P")
R = TypeVar("R")

console = Console(stderr=True)
out = Console()


def _fail(message: str, category: ErrorCategory) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(ERROR_TABLE[category].exit_code)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print kg's own and the driver's errors as one clear message; exit with the category's code
    (``kg.core.errors.ERROR_TABLE``: 2 invalid input, 3 unavailable, 4 not found...), never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except KGError as error:
            raise _fail(str(error), category_of(error)) from error
        except ValidationError as error:
            raise _fail(str(error), ErrorCategory.INVALID_INPUT) from error
        except AuthError as error:
            message = f"Neo4j rejected the credentials: {error.message}"
            raise _fail(message, ErrorCategory.UNAVAILABLE) from error
        except ServiceUnavailable as error:
            message = f"Neo4j is not reachable: {error}. Try `kg db start`."
            raise _fail(message, ErrorCategory.UNAVAILABLE) from error
        except Neo4jError as error:
            raise _fail(f"Neo4j said {error.code}: {error.message}", ErrorCategory.INTERNAL) from error

    return wrapper


def load_settings() -> Settings:
    return Settings()


@contextmanager
def connected(settings: Settings | None = None) -> Iterator[Database]:
    """The database handle of the server kg uses now (verified; closed on exit)."""
    settings = settings or load_settings()
    with Database.connect(current_connection(settings), timeout_s=settings.query_timeout_s) as db:
        yield db

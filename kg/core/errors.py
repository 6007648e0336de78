"""One root error for everything kg raises on purpose, four categories under it, and one table that says what
each category means to a GraphQL client, an HTTP client and a shell.

Every error kg raises deliberately subclasses one of the category bases, so the API, the HTTP routes and the CLI
never guess: ``category_of(error)`` looks the class up once and ``ERROR_TABLE`` gives the GraphQL error code,
the HTTP status and the CLI exit code. An error that is not a ``KGError`` is a bug and maps to ``INTERNAL``.

Example:
    >>> spec = ERROR_TABLE[category_of(NotFoundError("no city 'atlantis'"))]
    >>> spec.graphql_code, spec.http_status, spec.exit_code
    ('NOT_FOUND', 404, 4)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCategory(StrEnum):
    """Whose problem an error is; the value is the stable code clients and scripts may rely on."""

    INVALID_INPUT = "invalid_input"  # the caller's input (a file, an argument, a query) is wrong
    NOT_FOUND = "not_found"  # the caller named something that does not exist
    FORBIDDEN = "forbidden"  # the caller may not do this
    CONFLICT = "conflict"  # the change clashes with what is stored (e.g. a key that exists already)
    UNAVAILABLE = "unavailable"  # something kg needs is away or missing; retrying or installing helps
    INTERNAL = "internal"  # a bug: nothing the caller can fix


@dataclass(frozen=True)
class CategorySpec:
    graphql_code: str
    http_status: int
    exit_code: int


ERROR_TABLE: dict[ErrorCategory, CategorySpec] = {
    ErrorCategory.INVALID_INPUT: CategorySpec("BAD_USER_INPUT", 400, 2),
    ErrorCategory.NOT_FOUND: CategorySpec("NOT_FOUND", 404, 4),
    ErrorCategory.FORBIDDEN: CategorySpec("FORBIDDEN", 403, 5),
    ErrorCategory.CONFLICT: CategorySpec("CONFLICT", 409, 6),
    ErrorCategory.UNAVAILABLE: CategorySpec("SERVICE_UNAVAILABLE", 503, 3),
    ErrorCategory.INTERNAL: CategorySpec("INTERNAL_SERVER_ERROR", 500, 1),
}


class KGError(Exception):
    """Root of every error kg raises deliberately; the CLI prints its message without a traceback."""

    category: ErrorCategory = ErrorCategory.INTERNAL

    @property
    def code(self) -> str:
        return self.category.value


class InvalidInputError(KGError):
    """The caller's input is wrong; the message names what and where (file, line, field)."""

    category = ErrorCategory.INVALID_INPUT


class NotFoundError(KGError):
    """The caller named something that does not exist."""

    category = ErrorCategory.NOT_FOUND


class ForbiddenError(KGError):
    """The caller may not do this (missing or insufficient key)."""

    category = ErrorCategory.FORBIDDEN


class ConflictError(KGError):
    """The change clashes with what is stored."""

    category = ErrorCategory.CONFLICT


class UnavailableError(KGError):
    """Something kg needs (the database, a tool, the embedding model) is away or missing."""

    category = ErrorCategory.UNAVAILABLE


def category_of(error: BaseException) -> ErrorCategory:
    return error.category if isinstance(error, KGError) else ErrorCategory.INTERNAL


# ---------------------------------------------------------------------------------------------- foundation errors


class QueryTimeoutError(UnavailableError):
    """A transaction outlived its timeout (the request's deadline or KG_QUERY_TIMEOUT); the server ended it."""


class ConfigurationError(InvalidInputError):
    """The settings are inconsistent or unsafe (e.g. a default secret in production)."""


class Neo4jUnavailableError(UnavailableError):
    """No Neo4j server answers at the configured URI, or it refused the credentials."""

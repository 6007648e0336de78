"""Every error kg raises on purpose has a category, and one table says what each category means to a GraphQL
client, an HTTP client and a shell."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import api
import importers
import kg
import queries
import schema
from api.security import PUBLIC_CODES
from kg.core.errors import (
    ERROR_TABLE,
    ConflictError,
    ErrorCategory,
    ForbiddenError,
    InvalidInputError,
    KGError,
    NotFoundError,
    UnavailableError,
    category_of,
)
from kg.embeddings import ModelUnavailableError

BASES = (InvalidInputError, NotFoundError, ForbiddenError, ConflictError, UnavailableError)


def _all_subclasses(cls: type[Exception]) -> set[type]:
    found: set[type] = set()
    sub: type[Exception]
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


@pytest.fixture(scope="module")
def every_error() -> set[type]:
    for package in (kg, schema, queries, importers, api):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    return _all_subclasses(KGError)


def test_every_feature_error_subclasses_a_category_base(every_error: set[type]) -> None:
    uncategorised = sorted(cls.__qualname__ for cls in every_error - set(BASES) if not issubclass(cls, BASES))
    assert uncategorised == []
    assert len(every_error) > len(BASES) + 5  # the scan found the feature errors, not just the bases


def test_the_table_covers_every_category_once() -> None:
    assert set(ERROR_TABLE) == set(ErrorCategory)
    codes = [spec.graphql_code for spec in ERROR_TABLE.values()]
    exits = [spec.exit_code for spec in ERROR_TABLE.values()]
    assert len(set(codes)) == len(codes) and len(set(exits)) == len(exits)
    assert all(spec.exit_code != 0 for spec in ERROR_TABLE.values())


def test_only_internal_errors_are_masked() -> None:
    for category, spec in ERROR_TABLE.items():
        assert (spec.graphql_code in PUBLIC_CODES) is (category is not ErrorCategory.INTERNAL)


@pytest.mark.parametrize(
    ("error", "code", "status", "exit_code"),
    [
        (InvalidInputError("bad"), "BAD_USER_INPUT", 400, 2),
        (NotFoundError("none"), "NOT_FOUND", 404, 4),
        (ForbiddenError("no"), "FORBIDDEN", 403, 5),
        (ConflictError("taken"), "CONFLICT", 409, 6),
        (UnavailableError("away"), "SERVICE_UNAVAILABLE", 503, 3),
        (RuntimeError("bug"), "INTERNAL_SERVER_ERROR", 500, 1),
    ],
)
def test_categories_map_to_codes(error: Exception, code: str, status: int, exit_code: int) -> None:
    spec = ERROR_TABLE[category_of(error)]
    assert (spec.graphql_code, spec.http_status, spec.exit_code) == (code, status, exit_code)


def test_the_embedding_model_missing_is_not_the_clients_fault() -> None:
    assert category_of(ModelUnavailableError("run kg model install")) is ErrorCategory.UNAVAILABLE

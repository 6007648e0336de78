"""Errors the importers raise; each names the file, line or record, and field at fault."""

from __future__ import annotations

from kg.core.errors import InvalidInputError


class SeedValidationError(InvalidInputError):
    """A seed dataset file is malformed; the message names the file, line, entry and field."""


class ImportAbortedError(InvalidInputError):
    """An import stopped before committing anything (e.g. a relationship endpoint is missing)."""

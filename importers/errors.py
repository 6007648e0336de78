"""Errors the importers raise; each names the file, line or record, and field at fault."""

from __future__ import annotations

from kg.core.errors import InvalidInputError


class SeedValidationError(InvalidInputError):
    """A seed dataset file is malformed; the message names the file, line, entry and field."""


class ImportAbortedError(InvalidInputError):
    """An import stopped before committing anything (e.g. a relationship endpoint is missing)."""


class InputFileError(InvalidInputError):
    """An input file cannot be read as given: missing, empty, over --max-bytes, not UTF-8, control characters."""


class RecordError(InvalidInputError):
    """One record of an input is bad; the message names the file, the record and the field."""

    def __init__(self, origin: str, record: str, field: str, message: str, kind: str = "record") -> None:
        self.origin, self.record, self.field, self.reason = origin, record, field, message
        self.kind = kind  # the label or relationship type the record would have been, for the summary
        super().__init__(
            f"{origin}: {record}: {field}: {message}" if field else f"{origin}: {record}: {message}"
        )

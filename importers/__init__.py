"""Importers: one module per source format (parse -> validate -> rows), all on one loading layer
(``importers.loader``), listed by ``registry()``.

An importer is a callable ``(db, options, progress) -> ImportReport``. ``kg import all`` runs the built-in ones
in order (the seed, then the SCC-01 programme); ``make run`` calls it. Files a user brings (kg-json, and the
formats of the next importers) are loaded by their own ``kg import <format> FILE`` command, never by ``all``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importers.loader import LoadOptions, Progress
from importers.programme import import_programme
from importers.report import ImportReport
from importers.seed import DATA_DIR, import_seed
from kg.core.database import Database

Importer = Callable[[Database, LoadOptions, Progress | None], ImportReport]

__all__ = ["ImportReport", "Importer", "LoadOptions", "Progress", "registry"]


def registry(seed_documents: Path | None = None, alias_file: Path | None = None) -> dict[str, Importer]:
    """name -> importer, in the order `kg import all` runs them (built-in sources only)."""

    def seed(db: Database, options: LoadOptions, progress: Progress | None) -> ImportReport:
        return import_seed(db, DATA_DIR, seed_documents, options, progress)

    def programme(db: Database, options: LoadOptions, progress: Progress | None) -> ImportReport:
        return import_programme(db, options=options, progress=progress, alias_file=alias_file)

    return {"seed": seed, "programme": programme}

"""Importers: one module per source format (parse -> validate -> load), listed by ``registry()``.

An importer is a callable ``(db) -> ImportReport``. ``kg import all`` runs every registered importer in order;
``make run`` calls it, so a new importer only has to be added to ``registry()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importers.report import ImportReport
from importers.seed import DATA_DIR, import_seed
from kg.core.database import Database

Importer = Callable[[Database], ImportReport]

__all__ = ["ImportReport", "Importer", "registry"]


def registry(seed_documents: Path | None = None) -> dict[str, Importer]:
    """name -> importer, in the order `kg import all` runs them."""

    def seed(db: Database) -> ImportReport:
        return import_seed(db, DATA_DIR, seed_documents)

    return {"seed": seed}

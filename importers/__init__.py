"""Importers: one module per source format (parse -> validate -> load), listed by ``registry()``.

An importer is a callable ``(driver, database) -> ImportReport``. ``kg import all`` runs every registered
importer in order; ``make run`` calls it, so a new importer only has to be added to ``registry()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver


@dataclass
class ImportReport:
    """What one importer did: nodes and relationships created / matched, per label and type."""

    importer: str
    nodes_created: dict[str, int] = field(default_factory=dict)
    nodes_matched: dict[str, int] = field(default_factory=dict)
    relationships_created: dict[str, int] = field(default_factory=dict)
    relationships_matched: dict[str, int] = field(default_factory=dict)
    facts_per_source: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # curator edits the import kept instead of overwriting


Importer = Callable[[Driver, str | None], ImportReport]


def registry(seed_documents: Path | None = None) -> dict[str, Importer]:
    """name -> importer, in the order `kg import all` runs them (imported lazily: no import cycles)."""
    from importers.seed import DATA_DIR, import_seed

    def seed(driver: Driver, database: str | None) -> ImportReport:
        return import_seed(driver, database, DATA_DIR, seed_documents)

    return {"seed": seed}
